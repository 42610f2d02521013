"""Issue 8: a family's status page says when its program's rules are judged on a date after
the policy catalogue's verified coverage (a live program, judged today), in the family's
language; a program replaying a covered date shows no such notice."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from registration_helpers import PORTS

from asilo.policy import load_catalogue

pytestmark = pytest.mark.django_db


def _page(language: str, submission: Any) -> str:
    client = Client()
    client.cookies["django_language"] = language
    res = client.post(
        "/registrations/status/",
        {"number": submission.registration.number, "pin": submission.pin},
    )
    assert res.status_code == 200
    return str(res.content.decode())


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "The rules used here have not been verified after"),
        ("es", "Las reglas usadas aquí no se han verificado después del"),
        ("ht", "Règ yo itilize la a pa verifye apre"),
    ],
)
def test_live_program_status_page_says_rules_not_verified(
    programs: dict[str, Any], family: Any, submit: Any, language: str, words: str
) -> None:
    programs[PORTS].rules_as_of = None
    programs[PORTS].save()
    page = _page(language, submit(family()))
    assert 'id="rules-unverified"' in page
    assert words in page
    assert load_catalogue().verified_through.isoformat() in page


def test_replayed_program_status_page_has_no_notice(
    programs: dict[str, Any], family: Any, submit: Any
) -> None:
    programs[PORTS].rules_as_of = date(2023, 6, 1)
    programs[PORTS].save()
    assert 'id="rules-unverified"' not in _page("en", submit(family()))
