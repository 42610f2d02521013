"""Request and response schemas of the encounters API (explicit, for the OpenAPI document)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict

from asilo.web.encounters.models import (
    Custody,
    Encounter,
    EncounterPerson,
    FamilyException,
    Override,
    ReunificationTask,
)
from asilo.web.encounters.seen_before import SeenBefore
from asilo.web.encounters.selectors import CustodyClock, custody_clock
from asilo.web.people.schemas import DocumentIn

# --- request -------------------------------------------------------------------------------
# The encounter document's models are plain pydantic models with ``extra="allow"``: a field
# they do not declare is passed on to the policy engine, which names it in its error (a ninja
# Schema would drop it silently).


class _Passthrough(BaseModel):
    model_config = ConfigDict(extra="allow")


class PlaceIn(_Passthrough):
    kind: str = Field(description="between_ports (Border Patrol) or port_of_entry (OFO)")
    name: str = Field(description="Sector or port as CBP names it", examples=["Rio Grande Valley"])


class MppCaseIn(_Passthrough):
    status: str = Field(description="active, terminated or removal_order_in_absentia")


class EncounterPersonIn(_Passthrough):
    """One person: the policy engine's fields, plus optional identity fields (encrypted)."""

    age: int = Field(examples=[34])
    nationality: str = Field(description="ISO 3166-1 alpha-3", examples=["HND"])
    role: str | None = Field(None, description="adult or child (derived from age when absent)")
    relationship: str | None = Field(
        None,
        description="An adult's relationship to the children: parent, legal_guardian,"
        " other_relative",
    )
    vulnerabilities: list[str] = Field(
        default_factory=list,
        description="medical_emergency, physical_health, mental_health, pregnancy, advanced_age,"
        " disability, lgbtqi, imminent_threat, trafficking_victim; and violence_in_mexico (kept"
        " on the person's record; the policy engine does not read it)",
    )
    given_names: str | None = None
    first_surname: str | None = None
    second_surname: str | None = None
    date_of_birth: str | None = Field(None, description="YYYY-MM-DD", examples=["1991-04-02"])
    sex: str | None = Field(None, description="female, male, x or unknown")
    documents: list[DocumentIn] | None = None
    a_number: str | None = Field(None, description="8 or 9 digits, optionally preceded by A")
    languages: list[str] | None = Field(None, description="ISO 639 codes", examples=[["es"]])
    lawful_status: str | None = Field(
        None,
        description="none, us_citizen, lawful_permanent_resident or lawfully_admissible",
    )


class EncounterIn(_Passthrough):
    """The encounter document of ``asilo decide``, with identities and asilo's request fields.

    Unknown fields are passed to the policy engine, which names them in its error.
    """

    date: str = Field(description="YYYY-MM-DD", examples=["2022-05-10"])
    time: str | None = Field(None, description="HH:MM, U.S. Eastern", examples=["06:40"])
    place: PlaceIn
    people: list[EncounterPersonIn] = Field(
        max_length=30, description="At most 30 people in one encounter."
    )
    unaccompanied: bool | None = None
    mpp_case: MppCaseIn | None = None
    cbp_one_appointment: bool = False
    title42_exception_granted: bool = False
    fear_of_return_to_mexico_established: bool = False
    asylum_denied_in_transit_country: bool = False
    used_lawful_process: bool = False
    cbp_one_unavailable_shown: bool = False
    manifests_fear: bool = True
    client_request_id: str | None = Field(
        None,
        description="Idempotency: a resubmission with the same id returns the first encounter."
        " The Idempotency-Key header does the same.",
    )
    booked_in_at: datetime | None = Field(
        None, description="Book-in time (default: now); not before the encounter"
    )


class OverrideIn(Schema):
    authority: str = Field(examples=["title_8"])
    pathway: str = Field(examples=["processing"])
    destination: str | None = Field(None, description="ISO alpha-3 or null")
    reason: str = Field(description="Why the officer departs from the decision (15+ characters)")


class ReviewIn(Schema):
    verdict: str = Field(description="upheld or overturned")
    note: str = Field("", description="Required (10+ characters) when overturned")


class BookOutIn(Schema):
    outcome: str = Field(
        description="expelled, returned_mpp, transferred_orr, released_nta, transferred_ice"
    )
    family: bool = Field(
        False,
        description="Book out every member of the person's family unit still in custody with"
        " this outcome, in one transaction (refused as a whole if unlawful for one of them)",
    )


class FamilyExceptionIn(Schema):
    custody_id: int
    outcome: str
    reason: str = Field(description="Why this member must leave to another outcome (15+ chars)")


class NoteIn(Schema):
    note: str = Field(description="10+ characters")


# --- response ------------------------------------------------------------------------------
# The answers are built from our own stored rows, whose types the models fix: they are built
# with ``model_construct`` (no validation, which costs more than the rest of the request for a
# list); the decision alone, a stored JSON document, is validated (it drops what the schema does
# not show). ninja serialises an instance of the response schema as it is.


def _utc(value: datetime | None) -> datetime | None:
    """A datetime as read back from the database (UTC), for values still in memory."""
    return value.astimezone(UTC) if value is not None else None


class CitationOut(Schema):
    title: str
    url: str
    section: str
    fact: str


class ReasonOut(Schema):
    rule: str
    code: str = ""
    text: str
    text_es: str
    text_ht: str | None = None
    citation: CitationOut


class OptionOut(Schema):
    authority: str
    pathway: str
    destination: str | None
    reason: ReasonOut


class MemberOutcomeOut(Schema):
    model_config = ConfigDict(extra="allow")

    person: int
    unit: int
    authority: str
    pathway: str
    destination: str | None
    demographic: str
    custody_limit_hours: int | None
    custody_standard_hours: int | None = None
    flags: list[str]
    options: list[OptionOut]
    reasons: list[ReasonOut]


class DecisionOut(Schema):
    """Exactly the JSON of ``asilo decide --format json``."""

    model_config = ConfigDict(extra="allow")

    authority: str
    pathway: str
    destination: str | None
    demographic: str
    custody_limit_hours: int | None
    custody_standard_hours: int | None = None
    flags: list[str]
    options: list[OptionOut]
    reasons: list[ReasonOut]
    members: list[MemberOutcomeOut]
    catalogue_version: str
    scenario: str | None = None
    catalogue_verified_through: str | None = Field(
        default=None,
        description="The last day the policy catalogue's sources cover; a decision for a later"
        " day has the flag after_verified_coverage: its rules were not verified after this date.",
    )


class PlaceOut(Schema):
    kind: str
    name: str


class SeenBeforeOut(Schema):
    """An earlier encounter of the same person (identity resolution)."""

    encounter_id: int
    date: date
    place: str
    pathway: str = Field(description="The pathway decided for the person then")
    outcome: str | None = Field(description="The book-out outcome, null while in custody")
    match_probability: float = Field(
        description="How sure identity resolution is that it was this person (0-1)"
    )


class ParticipantOut(Schema):
    person_id: int
    position: int
    role: str
    relationship: str
    age: int
    nationality: str
    unit: int = Field(description="People of one unit share one outcome (a family unit in law)")
    pathway: str
    demographic: str
    custody_limit_hours: int | None
    seen_before: list[SeenBeforeOut] | None = Field(
        None,
        description="Earlier encounters of the same person, newest first, found by matching"
        " the person against the stored identities when the encounter was recorded (and on"
        " reading one encounter); null where not looked up (lists) or for a role that may not"
        " see people",
    )


class ConfirmationOut(Schema):
    confirmed_by: str
    confirmed_at: datetime


class OverrideOut(Schema):
    id: int
    encounter_id: int
    authority: str
    pathway: str
    destination: str | None
    reason: str
    within_options: bool
    decided_authority: str
    decided_pathway: str
    overridden_by: str
    overridden_at: datetime
    verdict: str | None
    review_note: str
    reviewed_by: str | None
    reviewed_at: datetime | None

    @staticmethod
    def of(o: Override) -> OverrideOut:
        return OverrideOut.model_construct(
            id=o.pk,
            encounter_id=o.decision.encounter_id,
            authority=o.authority,
            pathway=o.pathway,
            destination=o.destination or None,
            reason=o.reason,
            within_options=o.within_options,
            decided_authority=o.decision.authority,
            decided_pathway=o.decision.pathway,
            overridden_by=o.overridden_by.username,
            overridden_at=o.overridden_at,
            verdict=o.verdict or None,
            review_note=o.review_note,
            reviewed_by=o.reviewed_by.username if o.reviewed_by else None,
            reviewed_at=o.reviewed_at,
        )


class CustodyOut(Schema):
    id: int
    encounter_id: int
    person_id: int
    place: str
    booked_in_at: datetime = Field(
        description="The moment of the encounter (start of its day when the time is unknown)"
    )
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
        c = clock.custody
        return CustodyOut.model_construct(
            id=c.pk,
            encounter_id=c.encounter_id,
            person_id=c.person_id,
            place=c.encounter.place_name,
            booked_in_at=_utc(c.booked_in_at),
            booked_in_time_known=c.booked_in_time_known,
            limit_hours=c.limit_hours,
            due_at=_utc(c.due_at),
            seconds_remaining=clock.seconds_remaining,
            overdue=clock.overdue,
            near_due=clock.near_due,
            standard_hours=c.standard_hours,
            standard_due_at=_utc(c.standard_due_at),
            standard_seconds_remaining=clock.standard_seconds_remaining,
            standard_exceeded=clock.standard_exceeded,
            unaccompanied_since=_utc(c.unaccompanied_since),
            booked_out_at=_utc(c.booked_out_at),
            outcome=str(c.outcome) if c.outcome else None,
            family_exception_id=c.family_exception_id,
        )

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


class ChildAloneOut(Schema):
    custody_id: int
    person_id: int
    encounter_id: int
    age: int
    place: str
    booked_in_at: datetime


class CustodyCheckOut(Schema):
    count: int = Field(description="Must always be 0")
    children_alone: list[ChildAloneOut]


class StandardBreachOut(Schema):
    place: str
    custodies: int = Field(description="Custodies held beyond the TEDS 72-hour standard")
    still_held: int
    hours_beyond: float


class StandardReportOut(Schema):
    standard_hours: int
    places: list[StandardBreachOut]


def _seen_out(
    seen: Mapping[int, list[SeenBefore]] | None, person_id: int
) -> list[SeenBeforeOut] | None:
    if seen is None:
        return None
    return [
        SeenBeforeOut.model_construct(
            encounter_id=s.encounter_id,
            date=s.date,
            place=s.place,
            pathway=s.pathway,
            outcome=s.outcome,
            match_probability=s.match_probability,
        )
        for s in seen.get(person_id, [])
    ]


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


class CustodySummaryOut(Schema):
    open: int
    overdue: int
    near_due: int
    overrides_awaiting_review: int
    exceptions_pending: int
    reunification_tasks_open: int
    beyond_standard: int = Field(description="Open custodies past the TEDS 72-hour standard")
    children_alone: int = Field(description="Children left without an adult: must be 0")


class EncounterListOut(Schema):
    count: int
    encounters: list[EncounterOut]


class OverrideListOut(Schema):
    count: int
    overrides: list[OverrideOut]


class FamilyExceptionOut(Schema):
    id: int
    custody_id: int
    person_id: int
    encounter_id: int
    outcome: str
    reason: str
    status: str
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str
    reunification_task_id: int | None

    @staticmethod
    def of(x: FamilyException) -> FamilyExceptionOut:
        task = x.reunification_task if _has_task(x) else None
        return FamilyExceptionOut(
            id=x.pk,
            custody_id=x.custody_id,
            person_id=x.custody.person_id,
            encounter_id=x.custody.encounter_id,
            outcome=x.outcome,
            reason=x.reason,
            status=x.status,
            requested_by=x.requested_by.username,
            requested_at=x.requested_at,
            decided_by=x.decided_by.username if x.decided_by else None,
            decided_at=x.decided_at,
            decision_note=x.decision_note,
            reunification_task_id=task.pk if task is not None else None,
        )


def _has_task(x: FamilyException) -> bool:
    try:
        return x.reunification_task is not None
    except ReunificationTask.DoesNotExist:
        return False


class FamilyExceptionListOut(Schema):
    count: int
    exceptions: list[FamilyExceptionOut]


class TaskNoteOut(Schema):
    author: str
    text: str
    created_at: datetime


class TaskCloseIn(Schema):
    note: str = Field(description="How the family was brought back together, or why closed")
    outcome: str = Field("reunited", description="reunited, or closed (with a reason)")


class TaskStepIn(Schema):
    step: str = Field(description="contact_made, or located (sponsor or parent located)")


class TaskNoteIn(Schema):
    text: str = Field(description="10+ characters")


class ReunificationTaskOut(Schema):
    id: int
    exception_id: int
    family_unit_id: int
    person_id: int
    status: str
    opened_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    closing_note: str
    closing_outcome: str | None = Field(description="reunited, or closed (with a reason)")
    contact_made_at: datetime | None
    located_at: datetime | None = Field(description="When the sponsor or parent was located")
    notes: list[TaskNoteOut]

    @staticmethod
    def of(t: ReunificationTask) -> ReunificationTaskOut:
        return ReunificationTaskOut(
            id=t.pk,
            exception_id=t.exception_id,
            family_unit_id=t.family_unit_id,
            person_id=t.person_id,
            status=t.status,
            opened_at=t.opened_at,
            closed_at=t.closed_at,
            closed_by=t.closed_by.username if t.closed_by else None,
            closing_note=t.closing_note,
            closing_outcome=t.closing_outcome or None,
            contact_made_at=t.contact_made_at,
            located_at=t.located_at,
            notes=[
                TaskNoteOut(author=n.author.username, text=n.text, created_at=n.created_at)
                for n in t.notes.all()
            ],
        )


class ReunificationTaskListOut(Schema):
    count: int
    tasks: list[ReunificationTaskOut]
