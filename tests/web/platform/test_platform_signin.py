"""Sign-in, sign-out, lockout, and their audit entries (which never hold a password)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from asilo.web.audit.models import AuditEntry

pytestmark = pytest.mark.django_db

TEST_PASSWORD = "correct-horse-battery-staple-7"  # make_user's default (tests/conftest.py)


def _login(client: Client, username: str, password: str, **extra: Any) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def test_sign_in_page_is_an_accessible_form() -> None:
    page = Client().get("/accounts/login/")
    html = page.content.decode()
    assert page.status_code == 200
    assert '<label for="id_username">Username</label>' in html
    assert '<label for="id_password">Password</label>' in html
    assert 'autocomplete="current-password"' in html
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html


def test_sign_in_page_in_spanish() -> None:
    page = Client(headers={"accept-language": "es"}).get("/accounts/login/")
    html = page.content.decode()
    assert '<html lang="es">' in html
    assert "Iniciar sesión" in html and "Contraseña" in html
    assert "Saltar al contenido principal" in html


def test_sign_in_page_in_haitian_creole_for_shared_strings() -> None:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ht"
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="ht">' in html
    assert "Konekte" in html and "Modpas" in html
    assert "Ale dirèkteman nan kontni prensipal la" in html


def test_successful_sign_in_is_audited(make_user: Any) -> None:
    officer = make_user("officer", "luisa")
    client = Client()
    response = _login(client, "luisa", TEST_PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    entry = AuditEntry.objects.get(action="login")
    assert (entry.actor_id, entry.object_id) == (officer.pk, str(officer.pk))
    home = client.get("/")
    assert home.status_code == 200
    assert "Welcome, luisa" in home.content.decode()


def test_failed_sign_in_shows_error_and_audits_without_password(make_user: Any) -> None:
    officer = make_user("officer", "luisa")
    response = _login(Client(), "luisa", "not-the-password-xyz")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html and 'aria-invalid="true"' in html
    assert "Please enter a correct username and password" in html
    entry = AuditEntry.objects.get(action="login_failed")
    assert entry.actor is None
    assert entry.object_id == str(officer.pk)
    assert entry.after == {"username": "luisa", "locked_out": False}
    stored = str(entry.after) + entry.note + str(entry.before)
    assert "not-the-password-xyz" not in stored


def test_failed_sign_in_of_unknown_user_is_audited() -> None:
    _login(Client(), "nobody", "whatever-password")
    entry = AuditEntry.objects.get(action="login_failed")
    assert entry.object_id == "" and entry.after == {"username": "nobody", "locked_out": False}


def test_lockout_after_repeated_failures(make_user: Any) -> None:
    make_user("officer", "luisa")
    client = Client()
    limit = settings.AXES_FAILURE_LIMIT
    statuses = [_login(client, "luisa", f"wrong-{i}").status_code for i in range(limit)]
    assert statuses == [200] * (limit - 1) + [429]
    # Now even the right password is refused, and nobody is signed in.
    locked = _login(client, "luisa", TEST_PASSWORD)
    assert locked.status_code == 429
    assert "Account locked" in locked.content.decode()
    assert client.get("/").status_code == 302
    failures = AuditEntry.objects.filter(action="login_failed")
    assert failures.count() == limit + 1
    assert failures.filter(after__locked_out=True).count() == 2
    assert not AuditEntry.objects.filter(action="login").exists()


def test_lockout_is_per_username(make_user: Any) -> None:
    make_user("officer", "luisa")
    make_user("officer", "pedro")
    client = Client()
    for i in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "luisa", f"wrong-{i}")
    assert _login(client, "pedro", TEST_PASSWORD).status_code == 302


def test_sign_out_ends_the_session(make_user: Any) -> None:
    make_user("officer", "luisa")
    client = Client()
    _login(client, "luisa", TEST_PASSWORD)
    assert client.get("/").status_code == 200
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert client.get("/").status_code == 302


def test_sign_out_by_get_is_refused(make_user: Any) -> None:
    make_user("officer", "luisa")
    client = Client()
    _login(client, "luisa", TEST_PASSWORD)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get("/").status_code == 200


def test_inactive_user_cannot_sign_in(make_user: Any) -> None:
    user = make_user("officer", "luisa")
    user.is_active = False
    user.save()
    response = _login(Client(), "luisa", TEST_PASSWORD)
    assert response.status_code == 200
    assert not AuditEntry.objects.filter(action="login").exists()


def test_language_switch_sets_the_cookie() -> None:
    client = Client()
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    assert "Iniciar sesión" in client.get("/accounts/login/").content.decode()


def test_sign_in_never_redirects_off_site(make_user: Any) -> None:
    make_user("officer", "luisa")
    response = Client().post(
        "/accounts/login/",
        {"username": "luisa", "password": TEST_PASSWORD, "next": "https://evil.example/x"},
    )
    assert response.status_code == 302 and response["Location"] == "/"


def test_sign_in_follows_a_local_next(make_user: Any) -> None:
    make_user("auditor", "aud")
    response = Client().post(
        "/accounts/login/", {"username": "aud", "password": TEST_PASSWORD, "next": "/audit/"}
    )
    assert response.status_code == 302 and response["Location"] == "/audit/"
