"""The apps' error vocabularies together: a code means one thing, with one message.

A code that two vocabularies answer with is declared once and taken over by the other
(``.declaration``); before, ``registration_not_found`` said "No registration has this number."
from registrations and "There is no registration with this number." from appointments, and
``name_too_long`` and ``a_number_invalid`` had two wordings each (people, registrations), and
``exception_reason_required`` two (encounters' family exception, appointments' check-in).
"""

from __future__ import annotations

from collections import defaultdict

import pytest
from django.utils import translation

from asilo.web.accounts.errors import AccountsErrorCode
from asilo.web.appointments.errors import AppointmentErrorCode
from asilo.web.audit.errors import AuditErrorCode
from asilo.web.core.errors import CoreErrorCode, ErrorCode
from asilo.web.encounters.errors import EncounterErrorCode
from asilo.web.identity.errors import IdentityErrorCode
from asilo.web.people.errors import PeopleErrorCode
from asilo.web.registrations.errors import RegistrationErrorCode

VOCABULARIES: tuple[type[ErrorCode], ...] = (
    CoreErrorCode,
    AccountsErrorCode,
    AuditErrorCode,
    PeopleErrorCode,
    EncounterErrorCode,
    RegistrationErrorCode,
    IdentityErrorCode,
    AppointmentErrorCode,
)

#: Codes that two apps use for different things (a different task, a different rule), each
#: with its own message: the message says which.
DIFFERENT_THINGS = {
    "client_request_id_invalid",  # a form's hidden id / the API's Idempotency-Key format
    "contact_required",  # registration accepts WhatsApp; a notice goes by phone or e-mail
    "date_of_birth_in_future",  # after today / after the encounter
    "date_of_birth_invalid",  # registration: any date; people: after 1900-01-01
    "language_invalid",  # a language code / the notice's three languages
    "name_invalid",  # digits or symbols / control characters or digits
    "nationality_invalid",  # chosen from a list / typed as a code
    "note_required",  # a review task's outcome / a reunification note of N characters
    "outcome_invalid",  # a review task's outcome / a custody's outcome
    "relationship_invalid",  # to the person registering / to the children of the unit
    "sex_invalid",  # chosen from a list / one of the codes
    "task_closed",  # a review task / a reunification task
    "task_not_found",  # a review task / a reunification task
    "vulnerability_invalid",  # a family is not shown the codes; staff are
    "forbidden",  # core's "may not do this"; the audit API names what: "read the audit trail"
}


def test_a_code_shared_by_two_vocabularies_has_one_message_and_status() -> None:
    declared: dict[str, set[tuple[str, int]]] = defaultdict(set)
    with translation.override("en"):
        for vocabulary in VOCABULARIES:
            for code in vocabulary:
                declared[str(code)].add((str(code.message), code.status))
    restated = {
        code: sorted(ways)
        for code, ways in declared.items()
        if len(ways) > 1 and code not in DIFFERENT_THINGS
    }
    assert restated == {}
    said_differently = {code for code, ways in declared.items() if len(ways) > 1}
    assert said_differently >= DIFFERENT_THINGS  # the list names no code that has one message


def test_the_codes_taken_over_answer_as_their_owner() -> None:
    registrations = RegistrationErrorCode
    people = PeopleErrorCode
    assert AppointmentErrorCode.REGISTRATION_NOT_FOUND.declaration == (
        registrations.REGISTRATION_NOT_FOUND.declaration
    )
    assert registrations.NAME_TOO_LONG.declaration == people.NAME_TOO_LONG.declaration
    assert registrations.A_NUMBER_INVALID.declaration == people.A_NUMBER_INVALID.declaration
    assert AppointmentErrorCode.EXCEPTION_REASON_REQUIRED.declaration == (
        EncounterErrorCode.EXCEPTION_REASON_REQUIRED.declaration
    )


@pytest.mark.parametrize("language", ["es", "ht"])
def test_every_message_a_family_can_be_given_is_translated(language: str) -> None:
    """A registration's refusal reaches a family in Spanish and Creole, the codes it takes over
    from people and core included (their messages are declared outside registrations/, where
    the catalogue test does not look for Creole)."""
    untranslated = []
    for code in RegistrationErrorCode:
        with translation.override("en"):
            english = str(code.message)
        with translation.override(language):
            if str(code.message) == english:
                untranslated.append(f"{code}: {english}")
    assert untranslated == []
