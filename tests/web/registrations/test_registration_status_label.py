"""A self-service family waiting to type back its contact code is not "needs verification by a
caseworker": every page and the API say what it waits for, in the reader's language; the
status code (``needs_verification``) stays what it was."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import translation
from registration_helpers import PORTS, at

from asilo.web.accounts.models import Organisation
from asilo.web.registrations.models import Registration, Status
from asilo.web.registrations.reasons import CONTACT_UNVERIFIED, status_label

pytestmark = pytest.mark.django_db

CASEWORKER_CHECK = {
    "en": "Needs verification by a caseworker",
    "es": "Necesita verificación de un trabajador social",
    "ht": "Yon travayè sosyal dwe verifye",
}
AWAITING_CODE = {
    "en": "Waiting for the code sent to the phone or e-mail to be confirmed",
    "es": "En espera de que se confirme el código enviado al teléfono o al correo",
    "ht": "N ap tann yo konfime kòd yo voye sou telefòn nan oswa imèl la",
}


@pytest.fixture(autouse=True)
def replay_june_2023(programs: dict[str, Any]) -> None:
    programs[PORTS].rules_as_of = date(2023, 6, 1)
    programs[PORTS].save()


@pytest.mark.parametrize("language", ["en", "es", "ht"])
def test_the_two_kinds_of_verification_read_differently(language: str) -> None:
    with translation.override(language):
        assert (
            status_label(Status.NEEDS_VERIFICATION, "", CONTACT_UNVERIFIED)
            == AWAITING_CODE[language]
        )
        assert (
            status_label(Status.NEEDS_VERIFICATION, "", "details_wrong")
            == (CASEWORKER_CHECK[language])
        )
        assert status_label(Status.NEEDS_VERIFICATION) == CASEWORKER_CHECK[language]


@pytest.mark.parametrize("language", ["en", "es", "ht"])
def test_the_family_page_says_it_waits_for_the_code(
    family: Callable[..., dict[str, Any]], submit: Callable[..., Any], language: str
) -> None:
    result = submit(family(), verify=False)
    assert result.registration.status == Status.NEEDS_VERIFICATION
    with time_machine.travel(at("2023-06-01 10:05"), tick=True):
        client = Client()
        client.cookies["django_language"] = language
        page = client.post(
            "/registrations/status/",
            {"number": result.registration.number, "pin": result.pin},
        ).content.decode()
    assert AWAITING_CODE[language] in page
    assert CASEWORKER_CHECK[language] not in page


def test_the_staff_pages_and_the_api_say_it_too(
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    make_user: Callable[..., Any],
    client_as: Callable[..., Client],
    api_as: Callable[..., Any],
) -> None:
    caseworker = make_user("caseworker", organisation="Casa del Migrante")
    result = submit(family(), verify=False)
    registration = result.registration
    Registration.objects.filter(pk=registration.pk).update(
        organisation=Organisation.objects.get(name="Casa del Migrante")
    )
    client = client_as(caseworker)
    for language in ("en", "es"):
        client.cookies["django_language"] = language
        listing = client.get("/registrations/staff/").content.decode()
        detail = client.get(f"/registrations/staff/{registration.number}/").content.decode()
        # The list's row (its status filter still offers the status code, for both kinds).
        row = re.search(
            r'<td data-label="[^"]*" data-status="needs_verification">([^<]*)<', listing
        )
        assert row and row.group(1) == AWAITING_CODE[language]
        assert registration.number in detail and AWAITING_CODE[language] in detail
        assert CASEWORKER_CHECK[language] not in detail
    answer = api_as(caseworker).get(f"/registrations/{registration.number}")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "needs_verification"  # the code is the contract; unchanged
    assert body["status_label"] == AWAITING_CODE["en"]
    assert body["history"][-1]["status_label"] == AWAITING_CODE["en"]


@time_machine.travel(at("2023-06-01 10:00"), tick=True)
def test_the_api_answer_to_a_self_service_registration(
    family: Callable[..., dict[str, Any]],
) -> None:
    created = Client(REMOTE_ADDR="192.0.2.78").post(
        "/api/v1/registrations", data=json.dumps(family()), content_type="application/json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "needs_verification"
    assert created.json()["status_label"] == AWAITING_CODE["en"]


#: The status filter's words for ``needs_verification``: it finds both kinds, so it names both.
EITHER_CHECK = {
    "en": "Needs verification (by a caseworker, or of the code sent to the family)",
    "es": "Necesita verificación (de un trabajador social, o del código enviado a la familia)",
}


def test_the_list_filter_names_each_status_as_the_detail_page_can_show_it(
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    make_user: Callable[..., Any],
    client_as: Callable[..., Client],
) -> None:
    """The filter ``needs_verification`` finds the families a caseworker must check and those
    still to type back their code; its option said only the first ("Needs verification by a
    caseworker") while the rows it found read "Waiting for the code ...". Every other option
    reads as the detail page names that status."""
    caseworker = make_user("caseworker", organisation="Casa del Migrante")
    registration = submit(family(), verify=False).registration
    Registration.objects.filter(pk=registration.pk).update(
        organisation=Organisation.objects.get(name="Casa del Migrante")
    )
    client = client_as(caseworker)
    for language in ("en", "es"):
        client.cookies["django_language"] = language
        listing = client.get("/registrations/staff/?status=needs_verification").content.decode()
        select = re.search(r'<select id="f-status" name="status">(.*?)</select>', listing, re.S)
        assert select
        options = dict(re.findall(r'<option value="(\w*)"[^>]*>([^<]*)</option>', select[1]))
        assert options.pop("needs_verification") == EITHER_CHECK[language]
        assert AWAITING_CODE[language] in listing  # the row the filter found
        with translation.override(language):
            assert options.pop("") and options == {
                s: status_label(s) for s in Status.values if s != Status.NEEDS_VERIFICATION
            }
