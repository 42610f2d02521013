"""Fixtures shared by the web tests: users of a role signing in by token, and an API client."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.utils import translation

from asilo.web.accounts.models import User


@pytest.fixture(autouse=True)
def _no_language_left_active() -> Iterator[None]:
    """A request through the test client activates its language in this thread (Django's
    LocaleMiddleware) and nothing deactivates it: a later test, or a command run in-process,
    then spoke Spanish. Every test starts from the default language."""
    translation.deactivate()
    yield
    translation.deactivate()


#: ``at_once([work, ...])``: each work's result, or the exception it raised.
AtOnce = Callable[[list[Callable[[], Any]]], list[Any]]


@pytest.fixture
def at_once() -> AtOnce:
    """Run each work in its own thread (its own database connection), all released together by
    one barrier; the results in order, an exception standing for a work that raised it (the
    test asserts on them). For the PostgreSQL concurrency tests."""

    def run_all(works: list[Callable[[], Any]]) -> list[Any]:
        results: list[Any] = [None] * len(works)
        barrier = threading.Barrier(len(works))

        def run(index: int) -> None:
            try:
                barrier.wait()
                results[index] = works[index]()
            except Exception as exc:  # the test inspects it
                results[index] = exc
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(works))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        return results

    return run_all


@pytest.fixture
def user_of(make_user: Callable[..., User]) -> Callable[..., User]:
    """``user_of("officer")``: an active user of that role, signing in with tokens only
    (the suite's ``make_user`` with an unusable password)."""

    def make(role: str, username: str | None = None) -> User:
        return make_user(role, username, password=None)

    return make


@pytest.fixture
def officer(user_of: Callable[..., User]) -> User:
    return user_of("officer", "officer")


@pytest.fixture
def supervisor(user_of: Callable[..., User]) -> User:
    return user_of("supervisor", "supervisor")


@pytest.fixture
def supervisor2(user_of: Callable[..., User]) -> User:
    return user_of("supervisor", "supervisor2")


class ApiClient:
    """JSON calls to /api/v1/ with a bearer token (or none)."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.token = token

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = dict(extra or {})
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get("/api/v1" + path, params, headers=self._headers(None))

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self.client.post(
            "/api/v1" + path,
            data=body if body is not None else {},
            content_type="application/json",
            headers=self._headers(headers),
        )

    def patch(self, path: str, body: Any) -> Any:
        return self.client.patch(
            "/api/v1" + path,
            data=body,
            content_type="application/json",
            headers=self._headers(None),
        )


@pytest.fixture
def api_as(make_token: Callable[[User], str]) -> Callable[[User | None], ApiClient]:
    """``api_as(user)`` calls the API with a fresh token of ``user``; ``api_as(None)``: none."""

    def make(user: User | None) -> ApiClient:
        return ApiClient(make_token(user) if user is not None else None)

    return make
