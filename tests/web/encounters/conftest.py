"""Fixtures of the encounters tests: users of each role, API tokens, encounter documents."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from asilo.web.accounts.models import User
from asilo.web.accounts.roles import Role

ROLES = [r.value for r in Role]

FAMILY_DOC: dict[str, Any] = {
    "date": "2022-05-10",
    "time": "06:40",
    "place": {"kind": "between_ports", "name": "Rio Grande Valley"},
    "people": [
        {
            "age": 31,
            "nationality": "HND",
            "role": "adult",
            "relationship": "parent",
            "given_names": "María José",
            "first_surname": "López",
            "second_surname": "Hernández",
            "date_of_birth": "1990-11-03",
            "sex": "female",
            "documents": [{"kind": "passport", "number": "F123456", "issuing_country": "HND"}],
            "languages": ["es"],
        },
        {
            "age": 7,
            "nationality": "HND",
            "role": "child",
            "given_names": "Dylan",
            "first_surname": "Martínez",
            "second_surname": "López",
            "sex": "male",
        },
    ],
    "manifests_fear": True,
}

CHILD_DOC: dict[str, Any] = {
    "date": "2022-05-10",
    "time": "09:15",
    "place": {"kind": "between_ports", "name": "El Paso"},
    "people": [{"age": 15, "nationality": "GTM", "given_names": "Ana", "first_surname": "Chuc"}],
}

ADULT_DOC: dict[str, Any] = {
    "date": "2022-05-10",
    "time": "11:00",
    "place": {"kind": "port_of_entry", "name": "San Ysidro"},
    "people": [{"age": 40, "nationality": "MEX", "given_names": "Jorge", "first_surname": "Paz"}],
}


@pytest.fixture
def family_doc() -> dict[str, Any]:
    return copy.deepcopy(FAMILY_DOC)


@pytest.fixture
def child_doc() -> dict[str, Any]:
    return copy.deepcopy(CHILD_DOC)


@pytest.fixture
def adult_doc() -> dict[str, Any]:
    return copy.deepcopy(ADULT_DOC)


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
