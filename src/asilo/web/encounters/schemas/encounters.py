"""The encounter in the API's answers, its replay, and the lists of encounters and
overrides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from ninja import Field, Schema

from asilo.web.encounters.models import (
    Custody,
    Encounter,
    EncounterPerson,
    Override,
)
from asilo.web.encounters.schemas.custody import CustodyOut
from asilo.web.encounters.schemas.decisions import (
    ConfirmationOut,
    DecisionOut,
    OverrideOut,
    ParticipantOut,
    PlaceOut,
    SeenBeforeOut,
    _utc,
)
from asilo.web.encounters.seen_before import SeenBefore


def _seen_out(
    seen: Mapping[int, list[SeenBefore]] | None, person_id: int
) -> list[SeenBeforeOut] | None:
    if seen is None:
        return None
    return [SeenBeforeOut.model_construct(**vars(s)) for s in seen.get(person_id, [])]


class EncounterOut(Schema):
    id: int
    client_request_id: str | None
    date: date
    time: str | None = Field(description="HH:MM, in the place's time zone")
    occurred_at: datetime | None
    component: str = Field(examples=["USBP"])
    place: PlaceOut
    status: str = Field(description="decided (awaiting confirmation), confirmed or overridden")
    family_unit_id: int | None
    recorded_by: str
    recorded_at: datetime
    people: list[ParticipantOut]
    decision: DecisionOut
    confirmation: ConfirmationOut | None
    override: OverrideOut | None
    custodies: list[CustodyOut]
    document: dict[str, Any] = Field(description="The policy input as stored (no identities)")

    @staticmethod
    def seen_of(
        seen: Mapping[int, list[SeenBefore]] | None, person_id: int
    ) -> list[SeenBeforeOut] | None:
        return _seen_out(seen, person_id)

    @staticmethod
    def of(e: Encounter, *, now: datetime) -> EncounterOut:
        """An encounter read with ``selectors._encounters()`` (decision, people, custodies)."""
        decision = e.decision
        override = decision.override if hasattr(decision, "override") else None
        return EncounterOut.build(
            e,
            participants=e.participants.all(),
            custodies=e.custodies.all(),
            override=override,
            document=e.document,
            now=now,
        )

    @staticmethod
    def build(
        e: Encounter,
        *,
        participants: Iterable[EncounterPerson],
        custodies: Iterable[Custody],
        override: Override | None,
        document: dict[str, Any],
        now: datetime,
        seen_before: Mapping[int, list[SeenBefore]] | None = None,
    ) -> EncounterOut:
        """The answer from rows already in memory: read back (:meth:`of`), or just written
        (the answer of a record, which does not read them again). ``seen_before``: each
        person's earlier encounters, where they were looked up."""
        decision = e.decision
        return EncounterOut.model_construct(
            id=e.pk,
            client_request_id=e.client_request_id,
            date=e.encounter_date,
            time=document.get("time"),
            occurred_at=_utc(e.occurred_at),
            component=str(e.component),
            place=PlaceOut.model_construct(kind=e.place_kind, name=e.place_name),
            status=str(e.status),
            family_unit_id=e.family_unit_id,
            recorded_by=e.recorded_by.username,
            recorded_at=_utc(e.recorded_at),
            people=[
                ParticipantOut.model_construct(
                    person_id=p.person_id,
                    position=p.position,
                    role=str(p.role),
                    relationship=str(p.relationship),
                    age=p.age,
                    nationality=p.nationality,
                    unit=p.unit,
                    pathway=str(p.pathway),
                    demographic=p.demographic,
                    custody_limit_hours=p.custody_limit_hours,
                    seen_before=_seen_out(seen_before, p.person_id),
                )
                for p in participants
            ],
            decision=DecisionOut(**decision.result),
            confirmation=(
                ConfirmationOut.model_construct(
                    confirmed_by=decision.confirmed_by.username,
                    confirmed_at=_utc(decision.confirmed_at),
                )
                if decision.confirmed_by is not None and decision.confirmed_at is not None
                else None
            ),
            override=OverrideOut.of(override) if override is not None else None,
            custodies=[CustodyOut.now(c, now=now) for c in custodies],
            document=document,
        )


class ReplayOut(Schema):
    encounter_id: int
    same: bool = Field(description="The current catalogue gives the same decision")
    stored: DecisionOut
    replayed: DecisionOut


class EncounterListOut(Schema):
    count: int
    encounters: list[EncounterOut]


class OverrideListOut(Schema):
    count: int
    overrides: list[OverrideOut]
