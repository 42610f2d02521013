"""Custody in the API's answers: the clocks, the lists, the check and the reports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ninja import Field, Schema

from asilo.web.core.renderers import json_time
from asilo.web.core.schemas import dataclass_fields, schema_model
from asilo.web.encounters.clocks import place_time_zone
from asilo.web.encounters.models import (
    Custody,
)
from asilo.web.encounters.schemas.decisions import _utc
from asilo.web.encounters.selectors import (
    ChildAlone,
    CustodyClock,
    CustodySummary,
    StandardBreach,
    custody_clock,
)


class CustodyOut(Schema):
    id: int
    encounter_id: int
    person_id: int
    place: str
    booked_in_at: datetime = Field(
        description="The moment of the encounter (start of its day when the time is unknown)"
    )
    booked_in_local: str = Field(
        description="booked_in_at in the place's time zone, ISO 8601 with its offset"
        " (2021-03-10T14:30:00-06:00 for 14:30 in the Rio Grande Valley)"
    )
    time_zone: str = Field(description="The place's time zone (IANA name, e.g. America/Chicago)")
    booked_in_time_known: bool = Field(
        description="False when the encounter's time of day was not recorded"
    )
    limit_hours: int | None = Field(
        description="The legal limit (unaccompanied children: 72 hours), else null"
    )
    due_at: datetime | None
    seconds_remaining: int | None = Field(
        description="Until due (negative when overdue); at book-out for a closed custody"
    )
    overdue: bool
    near_due: bool
    standard_hours: int = Field(description="The TEDS 1.8 standard (CUS-01): 72 hours")
    standard_due_at: datetime | None
    standard_seconds_remaining: int | None = Field(
        description="Until the standard (negative when exceeded); at book-out when closed"
    )
    standard_exceeded: bool
    unaccompanied_since: datetime | None = Field(
        description="When a child of a family unit was left without its adults and became an"
        " unaccompanied child (the legal limit counts from then)"
    )
    booked_out_at: datetime | None
    outcome: str | None
    family_exception_id: int | None

    @staticmethod
    def of(clock: CustodyClock) -> CustodyOut:
        return CustodyOut.model_construct(**CustodyOut.answer_fields(clock, time=_utc))

    @staticmethod
    def dump(clock: CustodyClock) -> dict[str, Any]:
        """``CustodyOut.of(clock).model_dump()`` with its times already written as the API's
        renderer writes them (:func:`json_time`): for a list, without building a model per
        row nor calling the encoder per time (a test compares the bytes)."""
        return CustodyOut.answer_fields(clock, time=json_time)

    @staticmethod
    def answer_fields(
        clock: CustodyClock, *, time: Callable[[datetime | None], Any]
    ) -> dict[str, Any]:
        """The answer's fields, each of its times written by ``time`` (a datetime in UTC for
        the model, the renderer's text for a list's rows)."""
        c = clock.custody
        encounter = c.encounter
        zone = place_time_zone(encounter.place_kind, encounter.place_name)
        return {
            "id": c.pk,
            "encounter_id": c.encounter_id,
            "person_id": c.person_id,
            "place": encounter.place_name,
            "booked_in_at": time(c.booked_in_at),
            "booked_in_local": c.booked_in_at.astimezone(zone).isoformat(),
            "time_zone": zone.key,
            "booked_in_time_known": c.booked_in_time_known,
            "limit_hours": c.limit_hours,
            "due_at": time(c.due_at),
            "seconds_remaining": clock.seconds_remaining,
            "overdue": clock.overdue,
            "near_due": clock.near_due,
            "standard_hours": c.standard_hours,
            "standard_due_at": time(c.standard_due_at),
            "standard_seconds_remaining": clock.standard_seconds_remaining,
            "standard_exceeded": clock.standard_exceeded,
            "unaccompanied_since": time(c.unaccompanied_since),
            "booked_out_at": time(c.booked_out_at),
            "outcome": str(c.outcome) if c.outcome else None,
            "family_exception_id": c.family_exception_id,
        }

    @staticmethod
    def now(custody: Custody, *, now: datetime, within_hours: int = 12) -> CustodyOut:
        return CustodyOut.of(custody_clock(custody, now=now, within_hours=within_hours))


class BookOutOut(CustodyOut):
    booked_out: list[CustodyOut] = Field(
        description="Every custody booked out by this call (the family with family=true)"
    )


class CustodyListOut(Schema):
    status: str
    now: datetime
    count: int
    custodies: list[CustodyOut]

    @staticmethod
    def body(*, status: str, now: datetime, clocks: list[CustodyClock]) -> dict[str, Any]:
        """The list's answer as the API writes it (``CustodyListOut.model_construct(...)``
        dumped, its times already text; see :meth:`CustodyOut.dump`)."""
        return {
            "status": status,
            "now": json_time(now),
            "count": len(clocks),
            "custodies": [CustodyOut.dump(c) for c in clocks],
        }


_ChildAlone = schema_model("ChildAloneOut", Schema, dataclass_fields(ChildAlone))


class ChildAloneOut(_ChildAlone):  # type: ignore[misc,valid-type]
    pass


class CustodyCheckOut(Schema):
    count: int = Field(description="Must always be 0")
    children_alone: list[ChildAloneOut]


_StandardBreach = schema_model(
    "StandardBreachOut",
    Schema,
    dataclass_fields(
        StandardBreach, describe={"custodies": "Custodies held beyond the TEDS 72-hour standard"}
    ),
)


class StandardBreachOut(_StandardBreach):  # type: ignore[misc,valid-type]
    pass


class StandardReportOut(Schema):
    standard_hours: int
    places: list[StandardBreachOut]


_CustodySummary = schema_model(
    "CustodySummaryOut",
    Schema,
    dataclass_fields(
        CustodySummary,
        describe={
            "beyond_standard": "Open custodies past the TEDS 72-hour standard",
            "children_alone": "Children left without an adult: must be 0",
        },
    ),
)


class CustodySummaryOut(_CustodySummary):  # type: ignore[misc,valid-type]
    pass
