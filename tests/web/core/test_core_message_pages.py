"""The pages that say one thing (not found, not allowed, password set) share one template
(``templates/message.html``): each keeps its heading as the page's title, its sentence, and
where to go next, in the reader's language."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _parts(html: str) -> tuple[str, str, list[str]]:
    title = re.search(r"<title>([^<]*)</title>", html)
    heading = re.search(r"<h1>([^<]*)</h1>", html)
    assert title and heading
    return title[1], heading[1], re.findall(r'<a href="([^"]*)">([^<]*)</a></p>', html)


@pytest.mark.parametrize(
    ("language", "heading", "sentence", "back"),
    [
        ("en", "Page not found", "There is no page at this address.", "Back to the home page"),
        ("es", "Página no encontrada", None, None),
    ],
)
def test_not_found_page(
    language: str, heading: str, sentence: str | None, back: str | None
) -> None:
    client = Client()
    client.cookies["django_language"] = language
    response = client.get("/no/such/page/")
    html = response.content.decode()
    assert response.status_code == 404
    title, h1, links = _parts(html)
    assert title == f"{heading} · asilo" and h1 == heading
    assert links and links[-1][0] == "/"
    if sentence and back:
        assert f"<p>{sentence}</p>" in html and links[-1][1] == back


def test_not_allowed_page(
    client_as: Callable[..., Client], make_user: Callable[..., object]
) -> None:
    officer = make_user("officer")
    response = client_as(officer).get("/audit/")
    html = response.content.decode()
    assert response.status_code == 403
    title, h1, links = _parts(html)
    assert (title, h1) == ("Not allowed · asilo", "Not allowed")
    assert "The attempt has been recorded." in html and links[-1] == ("/", "Back to the home page")


def test_password_set_page_leads_to_sign_in() -> None:
    html = Client().get("/accounts/reset/done/").content.decode()
    title, h1, links = _parts(html)
    assert (title, h1) == ("Password set · asilo", "Password set")
    assert "You can sign in now." in html and links[-1] == ("/accounts/login/", "Sign in")
