"""Issue 11, finding 8: no Content-Security-Policy, and no ``Cache-Control: no-store`` on pages
and API answers with personal data. Now every page and answer carries both, a referrer policy
and a permissions policy; no page needs an inline script."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from asilo.web.accounts.models import User

pytestmark = pytest.mark.django_db

WEB = Path(__file__).resolve().parents[3] / "src" / "asilo" / "web"


def _csp(response: Any) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split(None, 1)[1] if " " in part.strip() else ""
        for part in (p.strip() for p in header.split(";"))
        if part
    }


def test_pages_carry_a_strict_csp_and_no_store(make_user: Callable[..., User]) -> None:
    client = Client()
    client.force_login(make_user("officer"), backend="django.contrib.auth.backends.ModelBackend")
    for path in ("/", "/accounts/login/", "/processing/"):
        response = client.get(path, follow=True)
        assert response.status_code == 200, path
        csp = _csp(response)
        assert csp["default-src"] == "'self'"
        assert csp["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
        assert "unsafe" not in csp["style-src"]  # inline <style> only with the nonce
        assert csp["object-src"] == "'none'" and csp["frame-ancestors"] == "'none'"
        assert response["Cache-Control"] == "no-store"
        assert response["Referrer-Policy"] == "same-origin"
        assert "camera=(self)" in response["Permissions-Policy"]
        assert "geolocation=()" in response["Permissions-Policy"]


def test_api_answers_are_never_stored(
    make_user: Callable[..., User], make_token: Callable[[User], str]
) -> None:
    token = make_token(make_user("auditor"))
    response = Client().get("/api/v1/audit", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_no_template_has_an_inline_script_or_handler() -> None:
    """A strict CSP blocks them: behaviour lives in static files."""
    offenders = []
    for template in WEB.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text):
            offenders.append(f"{template.name}: inline <script>")
        if re.search(r"\son[a-z]+=\"", text):
            offenders.append(f"{template.name}: inline event handler")
        for style in re.findall(r"<style[^>]*>", text):
            if "csp_nonce" not in style:
                offenders.append(f"{template.name}: <style> without the nonce")
    assert offenders == []
