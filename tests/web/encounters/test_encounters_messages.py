"""Every message of the two error vocabularies exists in English and Spanish."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from asilo.web.core.errors import ErrorCode
from asilo.web.encounters.errors import EncounterErrorCode
from asilo.web.people.errors import PeopleErrorCode


def test_a_code_cannot_be_declared_without_its_message() -> None:
    with pytest.raises(TypeError):

        class Incomplete(ErrorCode):
            NO_MESSAGE = "no_message"

    assert all(str(code.message) for code in [*PeopleErrorCode, *EncounterErrorCode])


@pytest.mark.parametrize("code", [*PeopleErrorCode, *EncounterErrorCode])
def test_spanish_translation_exists_with_the_same_placeholders(code: ErrorCode) -> None:
    with translation.override("en"):
        english = str(code.message)
    with translation.override("es"):
        spanish = str(code.message)
    assert spanish != english, code
    assert set(re.findall(r"\{(\w+)\}", spanish)) == set(re.findall(r"\{(\w+)\}", english))
