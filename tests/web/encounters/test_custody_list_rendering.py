"""The custody list's answer, written without a model per row (issue 13), is byte for byte the
answer the response schema gives: ``CustodyListOut.model_construct(...)`` dumped by django-ninja
and rendered by the API's renderer, for open, closed, overdue, unaccompanied and family
custodies, times with and without milliseconds."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from asilo.web.accounts.models import User
from asilo.web.core.renderers import OrjsonRenderer, json_time
from asilo.web.encounters import selectors, services
from asilo.web.encounters.schemas.custody import CustodyListOut, CustodyOut

pytestmark = pytest.mark.django_db

FAMILY: dict[str, Any] = {
    "date": "2021-03-10",
    "time": "14:30",
    "place": {"kind": "between_ports", "name": "Rio Grande Valley"},
    "people": [
        {"age": 32, "nationality": "HND", "role": "adult", "relationship": "parent",
         "given_names": "Reina", "first_surname": "Castillo", "sex": "female"},
        {"age": 9, "nationality": "HND", "role": "child", "given_names": "Ángel",
         "first_surname": "Castillo", "sex": "male"},
    ],
}  # fmt: skip
CHILD_ALONE: dict[str, Any] = {
    "date": "2021-03-11",
    "place": {"kind": "port_of_entry", "name": "San Ysidro"},
    "people": [{"age": 15, "nationality": "GTM", "given_names": "Eva"}],
}


def _schema_bytes(status: str, now: datetime, clocks: list[Any]) -> bytes:
    """What the endpoint answered before: the schema's instance, dumped as django-ninja
    dumps a response model, rendered by the API's renderer."""
    out = CustodyListOut.model_construct(
        status=status, now=now, count=len(clocks), custodies=[CustodyOut.of(c) for c in clocks]
    )
    return bytes(OrjsonRenderer().render(None, out.model_dump(), response_status=200))  # type: ignore[arg-type]


def test_the_list_is_written_as_the_schema_writes_it(
    officer: User, supervisor: User, api_as: Any
) -> None:
    api = api_as(officer)
    recorded = [
        api.post("/encounters", copy.deepcopy(document)).json()
        for document in (FAMILY, CHILD_ALONE, {**copy.deepcopy(FAMILY), "date": "2021-03-12"})
    ]
    family = recorded[0]
    assert api.post(f"/encounters/{family['id']}/confirm").status_code == 200
    first = family["custodies"][0]
    services.custody_book_out(
        actor=officer,
        custody_id=first["id"],
        outcome="released_nta",
        at=datetime.fromisoformat(first["booked_in_at"].replace("Z", "+00:00"))
        + timedelta(hours=5, microseconds=1234),
        family=True,
    )
    checked = 0
    for now in (
        timezone.now(),
        datetime(2021, 3, 12, 8, 0, tzinfo=UTC),
        datetime(2021, 3, 12, 8, 0, 0, 500, tzinfo=UTC),
    ):
        for status in ("all", "open", "closed", "overdue", "near_due"):
            clocks = selectors.custody_list(
                actor=officer, status=status, scope="all", now=now, within_hours=72
            )
            body = CustodyListOut.body(status=status, now=now, clocks=clocks)
            rendered = OrjsonRenderer().render(None, body, response_status=200)  # type: ignore[arg-type]
            assert rendered == _schema_bytes(status, now, clocks)
            checked += len(clocks)
    assert checked > 10
    # Through the API: the same bytes as the schema, and the same Content-Type.
    response = api.get("/custodies", status="all", scope="all")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    answer = response.json()
    now = datetime.fromisoformat(answer["now"].replace("Z", "+00:00"))
    assert json_time(now) == answer["now"]
    assert answer["count"] == 5 and {c["outcome"] for c in answer["custodies"]} == {
        None,
        "released_nta",
    }
    assert any(c["booked_out_at"] and "." in c["booked_out_at"] for c in answer["custodies"])


def test_times_are_written_as_djangos_encoder_writes_them() -> None:
    from django.core.serializers.json import DjangoJSONEncoder

    encoder = DjangoJSONEncoder()
    for value in (
        datetime(2021, 3, 10, 20, 30, tzinfo=UTC),
        datetime(2021, 3, 10, 20, 30, 5, 1, tzinfo=UTC),
        datetime(2021, 3, 10, 20, 30, 5, 999999, tzinfo=UTC),
        datetime(2021, 3, 10, 14, 30, 5, 120000, tzinfo=UTC).astimezone(
            datetime.now().astimezone().tzinfo
        ),
    ):
        assert json_time(value) == encoder.default(value.astimezone(UTC))
    assert json_time(None) is None


def test_the_live_scope_keeps_its_boundary_to_the_microsecond(officer: User, api_as: Any) -> None:
    """A custody is live when booked in at most ``LIVE_WINDOW`` before its encounter was
    recorded: the same rows as Django's own datetime arithmetic, at the boundary, with and
    without microseconds, at midnight and just before it."""
    from django.db.models import F

    from asilo.web.encounters.models import Custody, Encounter
    from asilo.web.encounters.selectors.custody import LIVE_WINDOW, custodies_in_scope

    api = api_as(officer)
    body = api.post("/encounters", copy.deepcopy(CHILD_ALONE)).json()
    encounter_id, custody_id = body["id"], body["custodies"][0]["id"]
    checked = 0
    for recorded in (
        datetime(2021, 3, 20, 12, 0, tzinfo=UTC),
        datetime(2021, 3, 20, 12, 0, 0, 250000, tzinfo=UTC),
        datetime(2021, 3, 20, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(2021, 3, 21, 0, 0, tzinfo=UTC),
        datetime(2024, 3, 1, 0, 0, 0, 1, tzinfo=UTC),  # a week back crosses 29 February
    ):
        Encounter.objects.filter(pk=encounter_id).update(recorded_at=recorded)
        for delta in (timedelta(microseconds=-1), timedelta(0), timedelta(microseconds=1)):
            booked = recorded - LIVE_WINDOW + delta
            Custody.objects.filter(pk=custody_id).update(booked_in_at=booked)
            mine = Custody.objects.filter(pk=custody_id)
            live = custodies_in_scope(mine, "live").exists()
            django = mine.filter(booked_in_at__gte=F("encounter__recorded_at") - LIVE_WINDOW)
            assert live is (booked >= recorded - LIVE_WINDOW) is django.exists(), (recorded, delta)
            assert custodies_in_scope(mine, "historical").exists() is not live
            checked += 1
    assert checked == 15
