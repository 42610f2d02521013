"""The encounters API: record (decide), read, confirm, override and review, custody clocks and
book-out, family exceptions and reunification tasks. Endpoints stay thin: services write,
selectors read, the error vocabulary answers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Header, Query, Router, Schema, Status

from asilo.web.core.actors import request_actor
from asilo.web.core.api import ERRORS, ErrorOut, ErrorsOut
from asilo.web.core.renderers import json_response
from asilo.web.encounters import seen_before, selectors, services
from asilo.web.encounters.clocks import CUSTODY_STANDARD_HOURS
from asilo.web.encounters.errors import EncounterError
from asilo.web.encounters.errors import EncounterErrorCode as C
from asilo.web.encounters.models import FamilyException, ReunificationTask
from asilo.web.encounters.schemas.custody import (
    BookOutOut,
    ChildAloneOut,
    CustodyCheckOut,
    CustodyListOut,
    CustodyOut,
    CustodySummaryOut,
    StandardBreachOut,
    StandardReportOut,
)
from asilo.web.encounters.schemas.decisions import DecisionOut, OverrideOut
from asilo.web.encounters.schemas.encounters import (
    EncounterListOut,
    EncounterOut,
    OverrideListOut,
    ReplayOut,
)
from asilo.web.encounters.schemas.requests import (
    BookOutIn,
    EncounterIn,
    FamilyExceptionIn,
    NoteIn,
    OverrideIn,
    ReviewIn,
    TaskCloseIn,
    TaskNoteIn,
    TaskStepIn,
)
from asilo.web.encounters.schemas.work import (
    FamilyExceptionListOut,
    FamilyExceptionOut,
    ReunificationTaskListOut,
    ReunificationTaskOut,
)
from asilo.web.encounters.seen_before import SeenBefore

router = Router(tags=["encounters"])


def _errors_out(exc: services.EncounterErrors) -> ErrorsOut:
    """Every input error of a document, in the one error schema."""
    return ErrorsOut(
        errors=[ErrorOut(code=str(e.code), message=e.message, field=e.field) for e in exc.errors]
    )


def _document(payload: EncounterIn) -> dict[str, Any]:
    """The encounter document as sent (unknown fields included, for the policy engine to name),
    without asilo's request fields."""
    document: dict[str, Any] = payload.model_dump(
        mode="json", exclude_unset=True, exclude=set(services.REQUEST_FIELDS)
    )
    return document


def _encounter(request: HttpRequest, encounter_id: int) -> EncounterOut:
    encounter = selectors.encounter_view(actor=request_actor(request), encounter_id=encounter_id)
    out = EncounterOut.of(encounter, now=timezone.now())
    seen = seen_before.stored(actor=request_actor(request), encounter_id=encounter_id)
    if seen is not None:
        for person in out.people:
            person.seen_before = EncounterOut.seen_of(seen, person.person_id)
    return out


def _answer(encounter_id: int) -> EncounterOut:
    """The encounter as the answer of a write (the write was checked and audited)."""
    return EncounterOut.of(selectors.encounter_detail(encounter_id), now=timezone.now())


def _recorded_answer(
    recorded: services.RecordedEncounter, seen: dict[int, list[SeenBefore]] | None = None
) -> EncounterOut:
    """The answer of a new encounter, from the rows just written (the same as reading them
    back, without the reads); a replayed one is read. ``seen``: each person's earlier
    encounters (identity resolution, at record time)."""
    if recorded.participants is None or recorded.custodies is None:
        out = _answer(recorded.encounter.pk)
        if seen is not None:
            for person in out.people:
                person.seen_before = EncounterOut.seen_of(seen, person.person_id)
        return out
    encounter = recorded.encounter
    # The policy input as the database keeps it, as a later read answers it (PostgreSQL's
    # jsonb orders an object's keys its own way): read back, one query.
    document = selectors.encounter_document(encounter.pk)
    return EncounterOut.build(
        encounter,
        participants=recorded.participants,
        custodies=recorded.custodies,
        override=None,
        document=document,
        now=timezone.now(),
        seen_before=seen,
    )


@router.post(
    "/encounters",
    response={201: EncounterOut, 200: EncounterOut, **ERRORS},
    summary="Record an encounter and decide it",
)
def record_encounter(
    request: HttpRequest,
    response: HttpResponse,
    payload: EncounterIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),  # type: ignore[type-arg]
) -> Status[Any]:
    """Takes the encounter document of `asilo decide`, with each person's identity fields.

    Answers 201 with the stored encounter and its decision. With a client request id (the
    `Idempotency-Key` header or the `client_request_id` field; if both, they must be equal), a
    resubmission by the same user answers 200 with the first encounter and the header
    `Idempotent-Replayed: true`; the same id with a different document answers 409.
    """
    field_id = payload.client_request_id
    if idempotency_key is not None and field_id is not None and idempotency_key != field_id:
        raise EncounterError(C.CLIENT_REQUEST_ID_MISMATCH, "client_request_id")
    actor = request_actor(request)
    try:
        recorded = services.encounter_record(
            actor=actor,
            prepared=selectors.encounter_preview(actor=actor, document=_document(payload)),
            client_request_id=idempotency_key if idempotency_key is not None else field_id,
            booked_in_at=payload.booked_in_at,
        )
    except services.EncounterErrors as exc:
        return Status(400, _errors_out(exc))
    # Identity resolution: match the people against the stored identities (additive).
    seen = seen_before.at_record(actor=request_actor(request), encounter_id=recorded.encounter.pk)
    out = _recorded_answer(recorded, seen)
    if not recorded.created:
        response["Idempotent-Replayed"] = "true"
        return Status(200, out)
    response["Location"] = f"{request.path.rstrip('/')}/{out.id}"
    return Status(201, out)


@router.post(
    "/encounters/preview",
    response={200: DecisionOut, **ERRORS},
    summary="Decide an encounter document without recording it",
)
def preview_encounter(request: HttpRequest, payload: EncounterIn) -> Status[Any]:
    """The same checks and decision as recording, but nothing is written (for a form that shows
    the decision and its reasons before the officer records it)."""
    try:
        prepared = selectors.encounter_preview(
            actor=request_actor(request), document=_document(payload)
        )
    except services.EncounterErrors as exc:
        return Status(400, _errors_out(exc))
    return Status(200, DecisionOut(**prepared.result))


class EncounterFilter(Schema):
    status: str | None = None
    place: str | None = None
    limit: int = 50


@router.get("/encounters", response={200: EncounterListOut, **ERRORS}, summary="Recent encounters")
def list_encounters(request: HttpRequest, filters: Query[EncounterFilter]) -> EncounterListOut:
    encounters = selectors.encounter_list(
        actor=request_actor(request),
        status=filters.status,
        place=filters.place,
        limit=filters.limit,
    )
    now = timezone.now()
    return EncounterListOut(
        count=len(encounters), encounters=[EncounterOut.of(e, now=now) for e in encounters]
    )


@router.get(
    "/encounters/{encounter_id}", response={200: EncounterOut, **ERRORS}, summary="An encounter"
)
def get_encounter(request: HttpRequest, encounter_id: int) -> EncounterOut:
    return _encounter(request, encounter_id)


@router.get(
    "/encounters/{encounter_id}/replay",
    response={200: ReplayOut, **ERRORS},
    summary="Decide the stored input again under the current catalogue",
)
def replay_decision(request: HttpRequest, encounter_id: int) -> ReplayOut:
    encounter = selectors.encounter_view(actor=request_actor(request), encounter_id=encounter_id)
    replay = selectors.decision_replay(encounter.decision)
    return ReplayOut(
        encounter_id=encounter.pk,
        same=replay.same,
        stored=DecisionOut(**replay.stored),
        replayed=DecisionOut(**replay.replayed),
    )


@router.post(
    "/encounters/{encounter_id}/confirm",
    response={200: EncounterOut, **ERRORS},
    summary="Confirm the decision",
)
def confirm_decision(request: HttpRequest, encounter_id: int) -> EncounterOut:
    services.decision_confirm(actor=request_actor(request), encounter_id=encounter_id)
    return _answer(encounter_id)


@router.post(
    "/encounters/{encounter_id}/override",
    response={200: EncounterOut, **ERRORS},
    summary="Override the decision, with a written reason",
)
def override_decision(request: HttpRequest, encounter_id: int, payload: OverrideIn) -> EncounterOut:
    services.decision_override(
        actor=request_actor(request),
        encounter_id=encounter_id,
        authority=payload.authority,
        pathway=payload.pathway,
        destination=payload.destination,
        reason=payload.reason,
    )
    return _answer(encounter_id)


class OverrideFilter(Schema):
    reviewed: bool | None = None
    limit: int = 100


@router.get(
    "/overrides", response={200: OverrideListOut, **ERRORS}, summary="Overrides (supervisors)"
)
def list_overrides(request: HttpRequest, filters: Query[OverrideFilter]) -> OverrideListOut:
    overrides = selectors.override_list(
        actor=request_actor(request), reviewed=filters.reviewed, limit=filters.limit
    )
    return OverrideListOut(count=len(overrides), overrides=[OverrideOut.of(o) for o in overrides])


@router.post(
    "/overrides/{override_id}/review",
    response={200: OverrideOut, **ERRORS},
    summary="Review an override",
)
def review_override(request: HttpRequest, override_id: int, payload: ReviewIn) -> OverrideOut:
    services.override_review(
        actor=request_actor(request),
        override_id=override_id,
        verdict=payload.verdict,
        note=payload.note,
    )
    return OverrideOut.of(
        selectors.override_get(actor=request_actor(request), override_id=override_id)
    )


class SummaryFilter(Schema):
    within_hours: int = selectors.NEAR_DUE_HOURS


@router.get(
    "/custodies/summary",
    response={200: CustodySummaryOut, **ERRORS},
    summary="Counts for a dashboard: open, overdue, near due, awaiting review",
)
def custody_summary(
    request: HttpRequest, filters: Query[SummaryFilter]
) -> selectors.CustodySummary:
    return selectors.custody_summary(
        actor=request_actor(request), within_hours=max(1, min(filters.within_hours, 72))
    )


class CustodyFilter(Schema):
    status: str = "open"
    within_hours: int = selectors.NEAR_DUE_HOURS
    place: str | None = None
    scope: str = Field(
        "live",
        description="live (the day's work), historical (replays of past encounters) or all",
    )
    limit: int = 200
    offset: int = 0


@router.get(
    "/custodies",
    response={200: CustodyListOut, **ERRORS},
    summary="Custodies with their clocks (open, overdue, near_due, closed, all)",
)
def list_custodies(request: HttpRequest, filters: Query[CustodyFilter]) -> HttpResponse:
    now = timezone.now()
    clocks = selectors.custody_list(
        actor=request_actor(request),
        status=filters.status,
        within_hours=max(1, min(filters.within_hours, 72)),
        place=filters.place,
        scope=filters.scope,
        now=now,
        limit=filters.limit,
        offset=filters.offset,
    )
    # The rows as the schema dumps them, rendered at once (a test compares the bytes).
    return json_response(CustodyListOut.body(status=filters.status, now=now, clocks=clocks))


@router.get(
    "/custodies/check",
    response={200: CustodyCheckOut, **ERRORS},
    summary="Children in custody without an adult of their family unit (must be none)",
)
def custody_check(request: HttpRequest) -> CustodyCheckOut:
    rows = selectors.custody_check(actor=request_actor(request))
    return CustodyCheckOut(
        count=len(rows), children_alone=[ChildAloneOut.model_validate(r) for r in rows]
    )


class ReportFilter(Schema):
    scope: str = "all"


@router.get(
    "/custodies/standard-report",
    response={200: StandardReportOut, **ERRORS},
    summary="Hours held beyond the TEDS 72-hour standard, by place",
)
def standard_report(request: HttpRequest, filters: Query[ReportFilter]) -> StandardReportOut:
    rows = selectors.standard_report(actor=request_actor(request), scope=filters.scope)
    return StandardReportOut(
        standard_hours=CUSTODY_STANDARD_HOURS,
        places=[StandardBreachOut.model_validate(r) for r in rows],
    )


@router.post(
    "/custodies/{custody_id}/book-out",
    response={200: BookOutOut, **ERRORS},
    summary="Book a person (or with family=true, their family unit) out of custody",
)
def book_out(request: HttpRequest, custody_id: int, payload: BookOutIn) -> BookOutOut:
    custody = services.custody_book_out(
        actor=request_actor(request),
        custody_id=custody_id,
        outcome=payload.outcome,
        family=payload.family,
    )
    now = timezone.now()
    together = selectors.custodies_booked_out_with(custody)
    main = CustodyOut.now(custody, now=now)
    return BookOutOut.model_construct(
        **dict(main), booked_out=[CustodyOut.now(c, now=now) for c in together]
    )


class StatusFilter(Schema):
    status: str | None = None
    limit: int = 100


@router.post(
    "/family-exceptions",
    response={201: FamilyExceptionOut, **ERRORS},
    summary="Request a family exception",
)
def request_family_exception(request: HttpRequest, payload: FamilyExceptionIn) -> Status[Any]:
    exception = services.family_exception_request(
        actor=request_actor(request),
        custody_id=payload.custody_id,
        outcome=payload.outcome,
        reason=payload.reason,
    )
    return Status(201, exception)


@router.get(
    "/family-exceptions",
    response={200: FamilyExceptionListOut, **ERRORS},
    summary="Family exceptions (pending, approved, denied)",
)
def list_family_exceptions(request: HttpRequest, filters: Query[StatusFilter]) -> dict[str, Any]:
    rows = selectors.family_exception_list(
        actor=request_actor(request), status=filters.status, limit=filters.limit
    )
    return {"count": len(rows), "exceptions": rows}


@router.post(
    "/family-exceptions/{exception_id}/approve",
    response={200: FamilyExceptionOut, **ERRORS},
    summary="Approve a family exception (opens a reunification task)",
)
def approve_family_exception(
    request: HttpRequest, exception_id: int, payload: NoteIn
) -> FamilyException:
    return services.family_exception_approve(
        actor=request_actor(request), exception_id=exception_id, note=payload.note
    )


@router.post(
    "/family-exceptions/{exception_id}/deny",
    response={200: FamilyExceptionOut, **ERRORS},
    summary="Deny a family exception",
)
def deny_family_exception(
    request: HttpRequest, exception_id: int, payload: NoteIn
) -> FamilyException:
    return services.family_exception_deny(
        actor=request_actor(request), exception_id=exception_id, note=payload.note
    )


@router.get(
    "/reunification-tasks",
    response={200: ReunificationTaskListOut, **ERRORS},
    summary="Reunification tasks (open, closed)",
)
def list_reunification_tasks(request: HttpRequest, filters: Query[StatusFilter]) -> dict[str, Any]:
    rows = selectors.reunification_task_list(
        actor=request_actor(request), status=filters.status, limit=filters.limit
    )
    return {"count": len(rows), "tasks": rows}


@router.post(
    "/reunification-tasks/{task_id}/close",
    response={200: ReunificationTaskOut, **ERRORS},
    summary="Close a reunification task",
)
def close_reunification_task(
    request: HttpRequest, task_id: int, payload: TaskCloseIn
) -> ReunificationTask:
    return services.reunification_task_close(
        actor=request_actor(request), task_id=task_id, note=payload.note, outcome=payload.outcome
    )


@router.post(
    "/reunification-tasks/{task_id}/steps",
    response={200: ReunificationTaskOut, **ERRORS},
    summary="Record a step of a reunification task (contact_made, located)",
)
def reunification_task_step(
    request: HttpRequest, task_id: int, payload: TaskStepIn
) -> ReunificationTask:
    return services.reunification_task_step(
        actor=request_actor(request), task_id=task_id, step=payload.step
    )


@router.post(
    "/reunification-tasks/{task_id}/notes",
    response={200: ReunificationTaskOut, **ERRORS},
    summary="Add a note to a reunification task",
)
def reunification_task_note(
    request: HttpRequest, task_id: int, payload: TaskNoteIn
) -> ReunificationTask:
    note = services.reunification_task_note(
        actor=request_actor(request), task_id=task_id, text=payload.text
    )
    return note.task
