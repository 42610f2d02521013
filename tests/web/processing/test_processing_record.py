"""Recording an encounter through the page: one form for the family, members added with or
without JavaScript, the decision with its reasons and citations, confirm or override."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from asilo.web.audit.models import AuditEntry
from asilo.web.encounters.models import (
    Custody,
    Encounter,
    EncounterPerson,
    EncounterStatus,
    Override,
)
from asilo.web.people.models import Person

pytestmark = pytest.mark.django_db

URL = "/processing/encounters/new/"


def family_post(**changes: str) -> dict[str, str]:
    data = {
        "action": "decide",
        "client_request_id": "web-test-1",
        "date": "2022-05-10",
        "time": "06:40",
        "place": "between_ports|Rio Grande Valley",
        "manifests_fear": "yes",
        "m-TOTAL_FORMS": "2",
        "m-INITIAL_FORMS": "0",
        "m-MIN_NUM_FORMS": "1",
        "m-MAX_NUM_FORMS": "20",
        "m-0-given_names": "María José",
        "m-0-first_surname": "López",
        "m-0-second_surname": "Hernández",
        "m-0-age": "31",
        "m-0-sex": "female",
        "m-0-nationality": "hnd",
        "m-0-relationship": "parent",
        "m-1-given_names": "Dylan",
        "m-1-first_surname": "Martínez",
        "m-1-age": "7",
        "m-1-sex": "male",
        "m-1-nationality": "HND",
        "m-1-relationship": "",
    }
    data.update(changes)
    return data


@pytest.fixture
def officer_client(make_user: Callable[..., Any], client_as: Callable[..., Client]) -> Client:
    return client_as(make_user("officer", "officer-page"))


def test_form_starts_with_one_person(officer_client: Client) -> None:
    page = officer_client.get(URL).content.decode()
    assert page.count('class="ap-member" id="member-') == 1
    assert 'name="action" value="add_member"' in page
    assert '<label for="id_m-0-age">' in page


def test_add_member_without_javascript_keeps_what_was_typed_and_writes_nothing(
    officer_client: Client,
) -> None:
    data = family_post(action="add_member")
    response = officer_client.post(URL, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('class="ap-member" id="member-') == 3
    assert 'value="María José"' in page and 'value="Dylan"' in page
    assert 'name="m-TOTAL_FORMS" value="3"' in page
    assert "errorlist" not in page  # nothing was validated yet
    assert Encounter.objects.count() == 0 and Person.objects.count() == 0


def test_add_member_with_htmx_answers_the_form_alone(officer_client: Client) -> None:
    response = officer_client.post(URL, family_post(action="add_member"), HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<form method="post"')
    assert "<html" not in page
    assert page.count('class="ap-member" id="member-') == 3


def test_remove_member(officer_client: Client) -> None:
    page = officer_client.post(URL, family_post(action="remove_member:0")).content.decode()
    assert page.count('class="ap-member" id="member-') == 1
    assert 'value="Dylan"' in page and 'value="María José"' not in page


def test_family_recorded_then_decision_with_reasons_and_custody(officer_client: Client) -> None:
    response = officer_client.post(URL, family_post())
    encounter = Encounter.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("processing:encounter_detail", args=[encounter.pk])
    assert encounter.participants.count() == 2
    assert encounter.family_unit is not None
    assert encounter.status == EncounterStatus.DECIDED
    person = Person.objects.get(pk=encounter.participants.get(position=0).person_id)
    assert (person.given_names, person.nationality) == ("María José", "HND")

    page = officer_client.get(response["Location"]).content.decode()
    reasons = encounter.decision.result["reasons"]
    assert reasons, "the decision carries reasons"
    for reason in reasons:
        assert reason["citation"]["url"] in page
        assert reason["rule"] in page
    assert reasons[0]["text"].split(":")[0] in page
    assert encounter.decision.catalogue_version in page
    assert 'id="confirm"' in page
    assert page.count('class="custody-clock"') == 2

    confirm = officer_client.post(reverse("processing:encounter_confirm", args=[encounter.pk]))
    assert confirm.status_code == 302
    encounter.refresh_from_db()
    assert encounter.status == EncounterStatus.CONFIRMED
    page = officer_client.get(confirm["Location"]).content.decode()
    assert 'id="confirm"' not in page
    assert "Book out" in page


def test_spanish_page_shows_the_reasons_in_spanish(officer_client: Client) -> None:
    officer_client.post(URL, family_post())
    encounter = Encounter.objects.get()
    officer_client.cookies["django_language"] = "es"
    page = officer_client.get(
        reverse("processing:encounter_detail", args=[encounter.pk])
    ).content.decode()
    for reason in encounter.decision.result["reasons"]:
        assert reason["text_es"] in page.replace("&#x27;", "'").replace("&quot;", '"')
    assert "Decisión del motor de políticas" in page
    assert "Confirmar la decisión" in page


def test_resubmission_does_not_duplicate(officer_client: Client) -> None:
    first = officer_client.post(URL, family_post())
    second = officer_client.post(URL, family_post())
    assert first["Location"] == second["Location"]
    assert Encounter.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field_id", "text"),
    [
        ({"m-1-age": ""}, "id_m-1-age", "Enter the age"),
        ({"m-1-age": "140"}, "id_m-1-age", "from 0 to 120"),
        ({"m-0-nationality": "XYZ"}, "id_m-0-nationality", "XYZ is not a three-letter"),
        ({"date": "2030-01-01"}, "id_date", "The policy catalogue covers"),
        ({"date": "10/05/2022"}, "id_date", "Enter a valid date"),
        ({"place": "between_ports|Nowhere"}, "id_place", "Select a valid choice"),
        ({"time": "25:99"}, "id_time", "Enter a valid time"),
        ({"m-0-date_of_birth": "2015-01-01"}, "id_m-0-age", "does not match the date of birth"),
        ({"m-0-given_names": "Ana 2"}, "id_m-0-given_names", "control characters or digits"),
    ],
)
def test_bad_input_error_next_to_field_and_nothing_written(
    officer_client: Client, changes: dict[str, str], field_id: str, text: str
) -> None:
    audit_before = AuditEntry.objects.count()
    response = officer_client.post(URL, family_post(**changes))
    page = response.content.decode()
    assert response.status_code == 400
    error_id = f"{field_id}_error"
    match = re.search(rf'<[^>]*id="{field_id}"[^>]*>', page)
    assert match, f"the field {field_id} is on the page"
    assert f'aria-describedby="{error_id}"' in match.group(0) or error_id in match.group(0)
    assert 'aria-invalid="true"' in match.group(0)
    error_block = re.search(rf'<ul class="errorlist" id="{error_id}">(.*?)</ul>', page, re.S)
    assert error_block and text in error_block.group(1)
    assert 'role="alert"' in page
    assert Encounter.objects.count() == 0
    assert Person.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_group_rule_error_is_reported_without_500(officer_client: Client) -> None:
    # A child with an adult who is no parent: the engine decides (the child is unaccompanied).
    response = officer_client.post(URL, family_post(**{"m-0-relationship": "other_relative"}))
    assert response.status_code == 302
    encounter = Encounter.objects.get()
    demographics = set(
        EncounterPerson.objects.filter(encounter=encounter).values_list("demographic", flat=True)
    )
    assert "unaccompanied_child" in demographics


def test_override_needs_a_reason_then_is_recorded(officer_client: Client) -> None:
    officer_client.post(URL, family_post())
    encounter = Encounter.objects.get()
    url = reverse("processing:encounter_override", args=[encounter.pk])
    short = officer_client.post(
        url, {"authority": "title_8", "pathway": "mpp_return", "reason": "too short"}
    )
    assert short.status_code == 400
    assert 'id="id_reason_error"' in short.content.decode()
    assert "15 characters" in short.content.decode()
    assert not Override.objects.exists()
    encounter.refresh_from_db()
    assert encounter.status == EncounterStatus.DECIDED

    pathway = "mpp_return" if encounter.decision.pathway != "mpp_return" else "processing"
    ok = officer_client.post(
        url,
        {
            "authority": "title_8",
            "pathway": pathway,
            "destination": "mex",
            "reason": "The mother showed a medical certificate; return to Mexico is safer.",
        },
    )
    assert ok.status_code == 302
    override = Override.objects.get()
    assert (override.pathway, override.destination) == (pathway, "MEX")
    encounter.refresh_from_db()
    assert encounter.status == EncounterStatus.OVERRIDDEN
    page = officer_client.get(ok["Location"]).content.decode()
    assert (
        "Awaiting a supervisor&#x27;s review." in page or "Awaiting a supervisor's review." in page
    )


def test_confirming_twice_is_refused_with_a_message(officer_client: Client) -> None:
    officer_client.post(URL, family_post())
    encounter = Encounter.objects.get()
    url = reverse("processing:encounter_confirm", args=[encounter.pk])
    assert officer_client.post(url).status_code == 302
    again = officer_client.post(url)
    assert again.status_code == 409
    assert "already" in again.content.decode()
    assert Custody.objects.filter(encounter=encounter).count() == 2


def test_the_fear_question_has_no_default_and_must_be_answered(officer_client: Client) -> None:
    """Before: "Someone in the group expressed fear of return" was pre-checked, so the record
    said fear was expressed when nobody asked."""
    page = officer_client.get(URL).content.decode()
    radios = re.findall(r'<input type="radio" name="manifests_fear"[^>]*>', page)
    assert len(radios) == 2 and not any("checked" in r for r in radios)
    before = Encounter.objects.count()
    data = family_post()
    del data["manifests_fear"]
    unanswered = officer_client.post(URL, data)
    assert unanswered.status_code == 400
    assert "did anyone express fear of return?" in unanswered.content.decode()
    assert Encounter.objects.count() == before
    answered = officer_client.post(URL, family_post(manifests_fear="no"))
    assert answered.status_code == 302
    assert Encounter.objects.latest("id").document["manifests_fear"] is False
