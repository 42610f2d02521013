"""Codes that several vocabularies answer with are declared once and keep their contract."""

from __future__ import annotations

import pytest
from django.utils import translation

from asilo.web.appointments.errors import AppointmentErrorCode
from asilo.web.core.errors import CoreErrorCode, ErrorCode
from asilo.web.people.errors import PeopleErrorCode
from asilo.web.registrations.errors import RegistrationErrorCode

SHARED = [
    (RegistrationErrorCode.FORBIDDEN, CoreErrorCode.FORBIDDEN),
    (RegistrationErrorCode.AGE_INVALID, PeopleErrorCode.AGE_INVALID),
    (AppointmentErrorCode.PROGRAM_NOT_FOUND, RegistrationErrorCode.PROGRAM_NOT_FOUND),
    (AppointmentErrorCode.DATE_INVALID, RegistrationErrorCode.DATE_INVALID),
    (AppointmentErrorCode.PHONE_INVALID, RegistrationErrorCode.PHONE_INVALID),
    (AppointmentErrorCode.EMAIL_INVALID, RegistrationErrorCode.EMAIL_INVALID),
]


@pytest.mark.parametrize(("taken", "declared"), SHARED)
@pytest.mark.parametrize("language", ["en", "es", "ht"])
def test_a_taken_over_code_answers_exactly_as_where_it_is_declared(
    taken: ErrorCode, declared: ErrorCode, language: str
) -> None:
    assert type(taken) is not type(declared)
    assert (str(taken), taken.status) == (str(declared), declared.status)
    with translation.override(language):
        assert str(taken.message) == str(declared.message)
    assert type(taken).of(str(declared)) is taken


def test_the_contract_of_the_shared_codes_stays() -> None:
    expected = {
        RegistrationErrorCode.FORBIDDEN: ("forbidden", 403, "Your role may not do this."),
        RegistrationErrorCode.AGE_INVALID: (
            "age_invalid",
            400,
            "The age must be a whole number from 0 to 120.",
        ),
        AppointmentErrorCode.PROGRAM_NOT_FOUND: (
            "program_not_found",
            404,
            "No program has this code.",
        ),
        AppointmentErrorCode.DATE_INVALID: (
            "date_invalid",
            400,
            "The date must be year-month-day (YYYY-MM-DD).",
        ),
    }
    with translation.override("en"):
        for code, (value, status, message) in expected.items():
            assert (str(code), code.status, str(code.message)) == (value, status, message)


def test_the_apps_raise_core_forbidden_rather_than_their_own() -> None:
    # The refusal for a missing right is core's (``require``): people and appointments no
    # longer carry a copy of it, so nothing can raise a look-alike.
    assert "forbidden" not in {str(code) for code in PeopleErrorCode}
    assert "forbidden" not in {str(code) for code in AppointmentErrorCode}
