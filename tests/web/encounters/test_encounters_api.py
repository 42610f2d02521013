"""The encounters API over HTTP with real bearer tokens: the contract, idempotency, bad input."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from asilo.policy import decide, load_catalogue, parse_encounter
from asilo.web.accounts.models import User
from asilo.web.encounters import services
from asilo.web.encounters.models import Custody, Encounter, EncounterDecision
from asilo.web.people.models import Person

Api = Callable[[User | None], Any]


def expected_decision(doc: dict[str, Any]) -> dict[str, Any]:
    catalogue = load_catalogue()
    policy_doc = services.split_document(doc)[0]
    return decide(parse_encounter(policy_doc, catalogue=catalogue), catalogue=catalogue).model_dump(
        mode="json"
    )


def test_encounter_decision_confirm_custody_book_out_end_to_end(
    officer: User, api_as: Api, family_doc: dict[str, Any]
) -> None:
    api = api_as(officer)
    res = api.post("/encounters", family_doc)
    assert res.status_code == 201, res.content
    body = res.json()
    encounter_id = body["id"]
    assert res["Location"] == f"/api/v1/encounters/{encounter_id}"
    assert body["decision"] == expected_decision(family_doc)
    assert body["status"] == "decided" and body["component"] == "USBP"
    assert body["place"] == {"kind": "between_ports", "name": "Rio Grande Valley"}
    assert [p["role"] for p in body["people"]] == ["adult", "child"]
    assert "given_names" not in str(body)  # identities are read through /people, audited
    assert len(body["custodies"]) == 2

    got = api.get(f"/encounters/{encounter_id}")
    assert got.status_code == 200
    assert got.json()["decision"] == body["decision"]

    person_id = body["people"][0]["person_id"]
    person = api.get(f"/people/{person_id}").json()
    assert (person["given_names"], person["first_surname"]) == ("María José", "López")

    confirmed = api.post(f"/encounters/{encounter_id}/confirm")
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "confirmed"
    assert confirmed.json()["confirmation"]["confirmed_by"] == "officer"

    # A 2022 encounter is a historical replay: not on the live list, listed when asked.
    assert api.get("/custodies", status="open").json()["count"] == 0
    open_list = api.get("/custodies", status="open", scope="all").json()
    assert open_list["count"] == 2
    assert {c["encounter_id"] for c in open_list["custodies"]} == {encounter_id}

    outcome = {"expulsion": "expelled", "processing": "released_nta"}[body["decision"]["pathway"]]
    out = api.post(
        f"/custodies/{body['custodies'][0]['id']}/book-out", {"outcome": outcome, "family": True}
    )
    assert out.status_code == 200, out.content
    assert out.json()["outcome"] == outcome and out.json()["booked_out_at"]
    assert [c["outcome"] for c in out.json()["booked_out"]] == [outcome, outcome]
    assert api.get("/custodies", status="open", scope="all").json()["count"] == 0
    closed = api.get("/custodies", status="closed", scope="all").json()
    assert [c["outcome"] for c in closed["custodies"]] == [outcome, outcome]


def test_family_outcome_invariant_through_the_api(
    officer: User, supervisor: User, api_as: Api, family_doc: dict[str, Any]
) -> None:
    api, sup = api_as(officer), api_as(supervisor)
    body = api.post("/encounters", family_doc).json()
    api.post(f"/encounters/{body['id']}/confirm")
    parent, child = (c["id"] for c in body["custodies"])
    refused = api.post(f"/custodies/{child}/book-out", {"outcome": "released_nta"})
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"] == "family_child_left_alone"
    assert Custody.objects.get(pk=child).booked_out_at is None

    requested = api.post(
        "/family-exceptions",
        {
            "custody_id": child,
            "outcome": "released_nta",
            "reason": "Child is a U.S. citizen? No: medical.",
        },
    )
    assert requested.status_code == 201
    exception_id = requested.json()["id"]
    pending = sup.get("/family-exceptions", status="pending").json()
    assert [x["id"] for x in pending["exceptions"]] == [exception_id]
    approved = sup.post(
        f"/family-exceptions/{exception_id}/approve", {"note": "Medical need verified by EMT."}
    )
    assert approved.status_code == 200
    task_id = approved.json()["reunification_task_id"]
    assert task_id is not None
    tasks = api.get("/reunification-tasks", status="open").json()
    assert [t["id"] for t in tasks["tasks"]] == [task_id]
    ok = api.post(f"/custodies/{child}/book-out", {"outcome": "released_nta"})
    assert ok.status_code == 200 and ok.json()["family_exception_id"] == exception_id
    assert api.post(f"/custodies/{parent}/book-out", {"outcome": "expelled"}).status_code == 200


def test_override_and_review_through_the_api(
    officer: User, supervisor: User, api_as: Api, adult_doc: dict[str, Any]
) -> None:
    api, sup = api_as(officer), api_as(supervisor)
    body = api.post("/encounters", adult_doc).json()
    res = api.post(
        f"/encounters/{body['id']}/override",
        {
            "authority": "title_8",
            "pathway": "processing",
            "destination": None,
            "reason": "Visible injuries; needs medical screening in the U.S.",
        },
    )
    assert res.status_code == 200
    override = res.json()["override"]
    assert (override["pathway"], override["decided_pathway"], override["within_options"]) == (
        "processing",
        "expulsion",
        True,
    )
    waiting = sup.get("/overrides", reviewed="false").json()
    assert [o["id"] for o in waiting["overrides"]] == [override["id"]]
    reviewed = sup.post(f"/overrides/{override['id']}/review", {"verdict": "upheld"})
    assert reviewed.status_code == 200 and reviewed.json()["verdict"] == "upheld"
    assert sup.get("/overrides", reviewed="false").json()["count"] == 0
    again = api.post(f"/encounters/{body['id']}/confirm")
    assert again.status_code == 409
    assert again.json()["errors"][0]["code"] == "decision_already_settled"


# --- idempotency --------------------------------------------------------------------------


def test_idempotency_key_header(officer: User, api_as: Api, family_doc: dict[str, Any]) -> None:
    api = api_as(officer)
    first = api.post("/encounters", family_doc, headers={"Idempotency-Key": "dev-7:0001"})
    second = api.post("/encounters", family_doc, headers={"Idempotency-Key": "dev-7:0001"})
    assert (first.status_code, second.status_code) == (201, 200)
    assert second["Idempotent-Replayed"] == "true"
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["client_request_id"] == "dev-7:0001"
    assert Encounter.objects.count() == 1 and Person.objects.count() == 2


def test_client_request_id_field(officer: User, api_as: Api, family_doc: dict[str, Any]) -> None:
    api = api_as(officer)
    family_doc["client_request_id"] = "form-42"
    first = api.post("/encounters", family_doc)
    second = api.post("/encounters", family_doc)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["id"] == first.json()["id"]
    family_doc["time"] = "23:00"
    reused = api.post("/encounters", family_doc)
    assert reused.status_code == 409
    assert reused.json()["errors"][0]["code"] == "client_request_id_reused"
    assert Encounter.objects.count() == 1


def test_header_and_field_must_agree(officer: User, api_as: Api, adult_doc: dict[str, Any]) -> None:
    adult_doc["client_request_id"] = "a"
    res = api_as(officer).post("/encounters", adult_doc, headers={"Idempotency-Key": "b"})
    assert res.status_code == 400
    assert res.json()["errors"][0]["code"] == "client_request_id_mismatch"
    assert Encounter.objects.count() == 0


# --- bad input ----------------------------------------------------------------------------


def _table_counts() -> tuple[int, int, int, int]:
    return (
        Encounter.objects.count(),
        EncounterDecision.objects.count(),
        Custody.objects.count(),
        Person.objects.count(),
    )


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        (lambda d: d.pop("date"), "date", "invalid"),
        (lambda d: d.update(date="2019-02-30"), "date", "invalid_encounter"),
        (lambda d: d.update(date="2030-01-01"), "date", "invalid_encounter"),
        (
            lambda d: d["people"][0].update(nationality="HON"),
            "people.0.nationality",
            "invalid_encounter",
        ),
        (lambda d: d["people"][1].update(age=-1), "people.1.age", "invalid_encounter"),
        (lambda d: d["people"][1].update(age="seven"), "people.1.age", "invalid"),
        (lambda d: d["place"].update(name="Gotham"), "place.name", "invalid_encounter"),
        (
            lambda d: d["people"][0].update(date_of_birth="1990-02-31"),
            "people.0.date_of_birth",
            "date_of_birth_invalid",
        ),
        (
            lambda d: d["people"][0].update(documents=[{"kind": "passport", "number": ""}]),
            "people.0.documents.0.number",
            "document_number_invalid",
        ),
        (lambda d: d.update(booked_in_at="yesterday"), "booked_in_at", "invalid"),
        (lambda d: d.update(surprise=1), "surprise", "invalid_encounter"),
        (
            lambda d: d["people"][0].update(eye_colour="brown"),
            "people.0.eye_colour",
            "invalid_encounter",
        ),
        (lambda d: d.update(people=[]), "people", "invalid_encounter"),
    ],
)
def test_bad_input_answers_400_naming_the_field_and_writes_nothing(
    officer: User,
    api_as: Api,
    family_doc: dict[str, Any],
    change: Callable[[dict[str, Any]], Any],
    field: str,
    code: str,
) -> None:
    change(family_doc)
    before = _table_counts()
    res = api_as(officer).post("/encounters", family_doc)
    assert res.status_code == 400, res.content
    errors = res.json()["errors"]
    assert (code, field) in [(e["code"], e["field"]) for e in errors]
    assert all(e["message"] for e in errors)
    assert _table_counts() == before


def test_policy_errors_are_all_reported(
    officer: User, api_as: Api, family_doc: dict[str, Any]
) -> None:
    family_doc["people"][0]["nationality"] = "XXX"
    family_doc["people"][1]["age"] = -1
    res = api_as(officer).post("/encounters", family_doc)
    assert res.status_code == 400
    fields = [e["field"] for e in res.json()["errors"]]
    assert "people.0.nationality" in fields and "people.1.age" in fields


def test_not_json_is_400(officer: User, api_as: Api) -> None:
    client = api_as(officer)
    res = client.client.post(
        "/api/v1/encounters",
        data="{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {client.token}"},
    )
    assert res.status_code == 400
    assert Encounter.objects.count() == 0


def test_bad_token_is_401(db: None, api_as: Api, family_doc: dict[str, Any]) -> None:
    client = api_as(None)
    client.token = "asl_not-a-real-token"
    res = client.post("/encounters", family_doc)
    assert res.status_code == 401
    assert res.json()["errors"][0]["code"] == "unauthenticated"
    assert Encounter.objects.count() == 0


def test_spanish_messages(officer: User, api_as: Api, family_doc: dict[str, Any]) -> None:
    client = api_as(officer)
    family_doc["people"][0]["sex"] = "mujer"
    res = client.client.post(
        "/api/v1/encounters",
        data=family_doc,
        content_type="application/json",
        headers={"Authorization": f"Bearer {client.token}", "Accept-Language": "es"},
    )
    assert res.status_code == 400
    assert res.json()["errors"][0]["message"] == (
        "El sexo debe ser uno de: female, male, x, unknown."
    )


def test_openapi_documents_the_endpoints(officer: User, api_as: Api) -> None:
    res = api_as(None).client.get("/api/v1/openapi.json")
    assert res.status_code == 200
    paths = res.json()["paths"]
    for path in (
        "/api/v1/encounters",
        "/api/v1/encounters/{encounter_id}",
        "/api/v1/encounters/{encounter_id}/confirm",
        "/api/v1/encounters/{encounter_id}/replay",
        "/api/v1/encounters/preview",
        "/api/v1/custodies/summary",
        "/api/v1/encounters/{encounter_id}/override",
        "/api/v1/overrides",
        "/api/v1/overrides/{override_id}/review",
        "/api/v1/custodies",
        "/api/v1/custodies/{custody_id}/book-out",
        "/api/v1/family-exceptions",
        "/api/v1/family-exceptions/{exception_id}/approve",
        "/api/v1/family-exceptions/{exception_id}/deny",
        "/api/v1/reunification-tasks",
        "/api/v1/reunification-tasks/{task_id}/close",
        "/api/v1/people",
        "/api/v1/people/{person_id}",
        "/api/v1/family-units",
        "/api/v1/family-units/{family_unit_id}",
    ):
        assert path in paths, path
    post = paths["/api/v1/encounters"]["post"]
    assert {"201", "200", "400", "401", "403"} <= set(post["responses"])


def test_reads_are_audited_writes_answer_without_a_view(
    officer: User, api_as: Api, adult_doc: dict[str, Any]
) -> None:
    from asilo.web.audit.models import AuditAction, AuditEntry

    api = api_as(officer)
    encounter_id = api.post("/encounters", adult_doc).json()["id"]
    views = AuditEntry.objects.filter(action=AuditAction.VIEW, object_type="encounters.encounter")
    assert views.count() == 0
    api.get(f"/encounters/{encounter_id}")
    assert list(views.values_list("object_id", "actor__username")) == [
        (str(encounter_id), "officer")
    ]


def test_replay_endpoint(officer: User, api_as: Api, child_doc: dict[str, Any]) -> None:
    api = api_as(officer)
    encounter_id = api.post("/encounters", child_doc).json()["id"]
    res = api.get(f"/encounters/{encounter_id}/replay")
    assert res.status_code == 200
    body = res.json()
    assert body["same"] is True
    assert body["replayed"] == body["stored"] == expected_decision(child_doc)


def test_list_filters_are_checked(officer: User, api_as: Api, adult_doc: dict[str, Any]) -> None:
    api = api_as(officer)
    api.post("/encounters", adult_doc)
    assert api.get("/encounters", status="decided").json()["count"] == 1
    assert api.get("/encounters", status="confirmed").json()["count"] == 0
    assert api.get("/encounters", place="San Ysidro").json()["count"] == 1
    bad = api.get("/encounters", status="closed")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "status"
    bad = api.get("/custodies", status="late")
    assert bad.status_code == 400 and bad.json()["errors"][0]["code"] == "status_filter_invalid"


def test_preview_decides_without_writing(
    officer: User, api_as: Api, family_doc: dict[str, Any]
) -> None:
    from asilo.web.audit.models import AuditEntry

    api = api_as(officer)  # issuing the token is itself audited
    before = (_table_counts(), AuditEntry.objects.count())
    res = api.post("/encounters/preview", family_doc)
    assert res.status_code == 200
    assert res.json() == expected_decision(family_doc)
    assert (_table_counts(), AuditEntry.objects.count()) == before
    family_doc["people"][0]["nationality"] = "ZZZ"
    bad = api.post("/encounters/preview", family_doc)
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["field"] == "people.0.nationality"


def test_custody_summary(
    officer: User,
    supervisor: User,
    api_as: Api,
    child_doc: dict[str, Any],
    adult_doc: dict[str, Any],
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    api = api_as(officer)
    child_doc["booked_in_at"] = (timezone.now() - timedelta(hours=75)).isoformat()
    assert api.post("/encounters", child_doc).status_code == 201
    body = api.post("/encounters", adult_doc).json()
    api.post(
        f"/encounters/{body['id']}/override",
        {"authority": "title_8", "pathway": "processing", "reason": "Humanitarian grounds seen."},
    )
    summary = api_as(supervisor).get("/custodies/summary").json()
    assert summary == {
        "open": 2,
        "overdue": 1,
        "near_due": 0,
        "overrides_awaiting_review": 1,
        "exceptions_pending": 0,
        "reunification_tasks_open": 0,
        # Both were encountered on 2022-05-10: long past the TEDS 72-hour standard.
        "beyond_standard": 2,
        "children_alone": 0,
    }
    # in CustodySummary's order, to the byte (the answer is the selector's dataclass)
    assert api_as(supervisor).get("/custodies/summary").content == (
        b'{"open":2,"overdue":1,"near_due":0,"overrides_awaiting_review":1,'
        b'"exceptions_pending":0,"reunification_tasks_open":0,"beyond_standard":2,'
        b'"children_alone":0}'
    )
    report = api_as(supervisor).get("/custodies/standard-report").content
    place = rb'\{"place":"%s","custodies":1,"still_held":1,"hours_beyond":[0-9]+\.[0-9]\}'
    places = b",".join(place % name for name in (b"San Ysidro", b"El Paso"))
    assert re.fullmatch(rb'\{"standard_hours":72,"places":\[' + places + rb"\]\}", report), report
    check = api_as(supervisor).get("/custodies/check").content
    assert check == b'{"count":0,"children_alone":[]}'
    overdue = api.get("/custodies", status="overdue").json()["custodies"]
    assert len(overdue) == 1 and overdue[0]["overdue"] is True
    assert -3 * 3600 - 60 < overdue[0]["seconds_remaining"] <= -3 * 3600


def test_decision_has_the_fields_of_asilo_decide_format_json(
    officer: User, api_as: Api, family_doc: dict[str, Any]
) -> None:
    import json

    from typer.testing import CliRunner

    from asilo.cli.main import app

    policy_doc = services.split_document(family_doc)[0]
    cli = CliRunner().invoke(app, ["decide", "-", "--format", "json"], input=json.dumps(policy_doc))
    assert cli.exit_code == 0, cli.output
    res = api_as(officer).post("/encounters", family_doc)
    assert res.json()["decision"] == json.loads(cli.stdout)


CLOCK_FIELDS = {"seconds_remaining", "standard_seconds_remaining", "overdue", "near_due", "now"}


def _without_clock(value: Any) -> Any:
    """The answer without the fields that move with the clock between two requests."""
    if isinstance(value, dict):
        return {k: _without_clock(v) for k, v in value.items() if k not in CLOCK_FIELDS}
    if isinstance(value, list):
        return [_without_clock(v) for v in value]
    return value


def test_the_answer_to_a_new_encounter_equals_reading_it_back(
    officer: User, api_as: Api, family_doc: dict[str, Any]
) -> None:
    """The POST answer is built from the rows just written; it must be what GET reads."""
    family_doc["people"][0]["a_number"] = "A123456789"
    family_doc["people"][1]["date_of_birth"] = "2015-02-01"
    api = api_as(officer)
    created = api.post("/encounters", family_doc)
    assert created.status_code == 201
    read = api.get(f"/encounters/{created.json()['id']}")
    assert read.status_code == 200
    assert _without_clock(created.json()) == _without_clock(read.json())
    assert list(created.json()["document"]) == list(read.json()["document"])  # same key order
