"""Shared fixtures of the whole suite: users of each role, API tokens, database vendor.

The suite runs on the configured database: SQLite by default, PostgreSQL when
``DATABASE_URL`` points at one (``python tests/pg_cluster.py -- pytest tests/web`` starts a
throwaway cluster for that). Tests marked ``postgres`` need real concurrency and are skipped
on SQLite; the PostgreSQL run executes them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from asilo.web.core.roles import Role

ROLES: list[str] = [r.value for r in Role]
#: A password that satisfies the validators (12+ characters, not common, not numeric).
TEST_PASSWORD = "correct-horse-battery-staple-7"

_counter = itertools.count(1)


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # Hashing with the production hasher makes every sign-in cost ~0.3 s; tests do many.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _allow_flushing_the_audit_trail()


def _allow_flushing_the_audit_trail() -> None:
    """Transactional tests empty the whole database after each test (``flush``); the audit
    trail's triggers refuse that, so the flush lifts them for its own statements only."""
    from django.db.backends.base.operations import BaseDatabaseOperations

    from asilo.web.audit.triggers import create_sql, drop_sql

    original = BaseDatabaseOperations.execute_sql_flush

    def execute_sql_flush(self: BaseDatabaseOperations, sql_list: list[str]) -> None:
        vendor = self.connection.vendor
        original(self, [*drop_sql(vendor), *sql_list, *create_sql(vendor)])

    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign]


def on_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if on_postgres():
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: python tests/pg_cluster.py -- pytest")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def test_password() -> str:
    """The password :func:`make_user` gives by default."""
    return TEST_PASSWORD


@pytest.fixture
def make_user(db: None) -> Callable[..., Any]:
    """``make_user("officer")`` creates an active user of that role.

    A caseworker belongs to an organisation (``organisation=`` names it; default one is made).
    ``password=`` sets a usable password (default :data:`TEST_PASSWORD`); pass ``None`` for an
    unusable one.
    """
    from asilo.web.accounts.models import Organisation, User
    from asilo.web.accounts.services import user_create

    def make(
        role: str,
        username: str | None = None,
        *,
        password: str | None = TEST_PASSWORD,
        organisation: str | None = None,
    ) -> User:
        if role == Role.CASEWORKER and organisation is None:
            organisation = "Casa del Migrante (test)"
        if organisation is not None:
            Organisation.objects.get_or_create(name=organisation)
        return user_create(
            actor=None,
            username=username or f"{role}-{next(_counter)}",
            role=role,
            organisation=organisation,
            password=password,
            validate_password=False,
        )

    return make


@pytest.fixture
def users(make_user: Callable[..., Any]) -> dict[str, Any]:
    """One user of each role, by role name."""
    return {role: make_user(role, f"the-{role}") for role in ROLES}


@pytest.fixture
def make_token(db: None) -> Callable[[Any], str]:
    """``make_token(user)`` issues an API token and returns the raw token."""
    from asilo.web.accounts.services import token_create

    def make(user: Any) -> str:
        return token_create(actor=None, user=user)

    return make


@pytest.fixture
def client_as(make_token: Callable[[Any], str]) -> Callable[[Any], Client]:
    """``client_as(user)``: a test client signed in (session) as that user; ``None``: anonymous."""

    def make(user: Any) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make


@pytest.fixture
def bearer_as(make_token: Callable[[Any], str]) -> Callable[[Any], dict[str, str]]:
    """``bearer_as(user)``: request headers carrying a fresh token of that user."""

    def make(user: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {make_token(user)}"} if user is not None else {}

    return make
