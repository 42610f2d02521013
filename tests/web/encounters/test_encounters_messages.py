"""Every message of the two error vocabularies exists in English and Spanish."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from asilo.web.encounters.errors import ENCOUNTER_MESSAGES, EncounterErrorCode
from asilo.web.people.errors import PEOPLE_MESSAGES, PeopleErrorCode


def test_every_code_has_a_message() -> None:
    assert set(PEOPLE_MESSAGES) == {c.value for c in PeopleErrorCode}
    assert set(ENCOUNTER_MESSAGES) == {c.value for c in EncounterErrorCode}


@pytest.mark.parametrize("code", [*PEOPLE_MESSAGES, *ENCOUNTER_MESSAGES])
def test_spanish_translation_exists_with_the_same_placeholders(code: str) -> None:
    message = {**PEOPLE_MESSAGES, **ENCOUNTER_MESSAGES}[code]
    with translation.override("en"):
        english = str(message)
    with translation.override("es"):
        spanish = str(message)
    assert spanish != english, code
    assert set(re.findall(r"\{(\w+)\}", spanish)) == set(re.findall(r"\{(\w+)\}", english))
