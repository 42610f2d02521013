"""The caseworker's verification: closing call-back and review tasks with their outcome,
taking a self-service family's call-back, flagging a vulnerability, marking a suspected
duplicate."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from django.db import transaction
from django.utils import timezone

from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_change
from asilo.web.core.access import refuse
from asilo.web.core.roles import Capability, has_capability
from asilo.web.registrations import fraud, lifecycle
from asilo.web.registrations.errors import RegistrationError
from asilo.web.registrations.errors import RegistrationErrorCode as C
from asilo.web.registrations.models import (
    ClosedReason,
    Registration,
    ReviewTask,
    Status,
    TaskKind,
    TaskOutcome,
    TaskState,
)
from asilo.web.registrations.numbers import (
    normalise_number,
)
from asilo.web.registrations.selectors import registrations_visible_to
from asilo.web.registrations.services.common import (
    REGISTRATION,
    TASK,
    own_or_not_found,
    record_status,
    verifier_or_refuse,
)
from asilo.web.registrations.validation import (
    VULNERABILITIES,
    tier_of,
)

if TYPE_CHECKING:
    from asilo.web.accounts.models import User


#: The longest note a caseworker's flag or suspected duplicate keeps (encrypted, on the task).
NOTE_MAX_LENGTH = 500

#: The outcomes a person may close each kind of task with (the review queue offers them in
#: :class:`TaskOutcome`'s order).
OUTCOMES_BY_KIND: dict[str, frozenset[str]] = {
    TaskKind.CALLBACK: frozenset(
        {TaskOutcome.VERIFIED, TaskOutcome.NOT_REACHED, TaskOutcome.DETAILS_WRONG}
    ),
    TaskKind.DUPLICATE_PERSON: frozenset(
        {TaskOutcome.NOT_A_DUPLICATE, TaskOutcome.CONFIRMED_DUPLICATE}
    ),
    TaskKind.DUPLICATE_REGISTRATION: frozenset(
        {TaskOutcome.NOT_A_DUPLICATE, TaskOutcome.CONFIRMED_DUPLICATE}
    ),
    TaskKind.SHARED_PHONE: frozenset({TaskOutcome.NO_ABUSE, TaskOutcome.ABUSE_REFERRED}),
    TaskKind.SHARED_PLACE: frozenset({TaskOutcome.NO_ABUSE, TaskOutcome.ABUSE_REFERRED}),
    TaskKind.BURST: frozenset({TaskOutcome.NO_ABUSE, TaskOutcome.ABUSE_REFERRED}),
    TaskKind.SHARED_DEVICE: frozenset({TaskOutcome.NO_ABUSE, TaskOutcome.ABUSE_REFERRED}),
    TaskKind.SHARED_NETWORK: frozenset({TaskOutcome.NO_ABUSE, TaskOutcome.ABUSE_REFERRED}),
    TaskKind.VULNERABILITY: frozenset({TaskOutcome.NOTED}),
}


class CallbackMove(NamedTuple):
    """What a call-back's outcome does to each family of the task in one of
    ``from_statuses``: it moves it to ``to_status`` with ``reason_code``."""

    from_statuses: tuple[str, ...]
    to_status: str
    reason_code: str


#: A verified call-back puts a family waiting for it in the queue; details that do not match
#: take a family out of it until a caseworker calls it again (a new call-back task).
CALLBACK_MOVES: dict[str, CallbackMove] = {
    TaskOutcome.VERIFIED: CallbackMove((Status.NEEDS_VERIFICATION,), Status.WAITING, "verified"),
    TaskOutcome.DETAILS_WRONG: CallbackMove(
        (Status.WAITING, Status.REGISTERED), Status.NEEDS_VERIFICATION, "details_wrong"
    ),
}


def _refuse_unless_reviewer(actor: User, task_id: int, *, reviews_holds: bool) -> None:
    """A supervisor reviews what holds families out of allocation; a caseworker the tasks of
    their organisation's families (a holding task only when every family in it is theirs, so
    that nobody releases another organisation's families). Anything else is "no such task",
    the refusal audited (outside the transaction, so that it stays)."""
    task = ReviewTask.objects.filter(pk=task_id).first()
    if task is None:
        raise RegistrationError(C.TASK_NOT_FOUND)
    if reviews_holds:
        allowed = task.kind in fraud.HOLDING_KINDS
    else:
        owners = set(task.registrations.values_list("organisation_id", flat=True))
        mine = actor.organisation_id in owners
        allowed = mine and (
            task.kind not in fraud.HOLDING_KINDS or owners == {actor.organisation_id}
        )
    if not allowed:
        refuse(
            actor,
            Capability.REGISTRATION_VERIFY,
            object_type=TASK,
            object_id=task.pk,
            note="another organisation's task",
        )
        raise RegistrationError(C.TASK_NOT_FOUND)


def review_task_close(*, actor: User, task_id: int, outcome: str, note: str = "") -> ReviewTask:
    """Close a review task with its outcome; a verified call-back marks the family verified.
    Outcomes other than "verified", "not a duplicate" and "no abuse" need a note."""
    reviews_holds = has_capability(actor, Capability.REGISTRATION_REVIEW_HOLDS)
    if not reviews_holds:
        verifier_or_refuse(actor)
    note = note.strip()
    _refuse_unless_reviewer(actor, task_id, reviews_holds=reviews_holds)
    with transaction.atomic():
        task = ReviewTask.objects.select_for_update().filter(pk=task_id).first()
        if task is None:
            raise RegistrationError(C.TASK_NOT_FOUND)
        registrations = list(task.registrations.all())
        if task.state != TaskState.OPEN:
            raise RegistrationError(C.TASK_CLOSED)
        if outcome not in OUTCOMES_BY_KIND.get(task.kind, frozenset()):
            raise RegistrationError(C.OUTCOME_INVALID, "outcome")
        easy = {TaskOutcome.VERIFIED, TaskOutcome.NOT_A_DUPLICATE, TaskOutcome.NO_ABUSE}
        if outcome not in easy and not note:
            raise RegistrationError(C.NOTE_REQUIRED, "note")
        now = timezone.now()
        task.state = TaskState.CLOSED
        task.outcome = outcome
        task.note = note
        task.closed_at = now
        task.closed_by = actor
        task.save()
        move = CALLBACK_MOVES.get(outcome) if task.kind == TaskKind.CALLBACK else None
        if move is not None:
            for registration in registrations:
                if outcome == TaskOutcome.VERIFIED:
                    registration.verified_at = now
                    registration.verified_by = actor
                    registration.save(update_fields=["verified_at", "verified_by"])
                if registration.status not in move.from_statuses:
                    continue
                record_status(
                    registration=registration,
                    to_status=move.to_status,
                    reason_code=move.reason_code,
                    actor=actor,
                    at=now,
                    audit=True,
                )
                if outcome == TaskOutcome.DETAILS_WRONG:  # a caseworker calls the family again
                    fraud.open_new_task(
                        kind=TaskKind.CALLBACK,
                        key=str(registration.pk),
                        registration=registration,
                        detail={"a_number_given": registration.a_number is not None},
                    )
        elif task.kind == TaskKind.DUPLICATE_PERSON and outcome == TaskOutcome.CONFIRMED_DUPLICATE:
            # The later registration is the copy; the first keeps the family's place.
            later = max(registrations, key=lambda r: (r.registered_on, r.pk))
            first = min(registrations, key=lambda r: (r.registered_on, r.pk))
            if (
                later.status in lifecycle.TRANSITIONS
                and Status.CLOSED in lifecycle.TRANSITIONS[later.status]
            ):
                record_status(
                    registration=later,
                    to_status=Status.CLOSED,
                    closed_reason=ClosedReason.DUPLICATE,
                    reason_code="duplicate",
                    reason_params={"number": first.number},
                    actor=actor,
                    at=now,
                    audit=True,
                )
        audit_change(
            actor=actor,
            action=AuditAction.REVIEW,
            obj=task,
            after={
                "kind": task.kind,
                "outcome": outcome,
                "registrations": [r.pk for r in registrations],
            },
        )
    return task


def registration_flag_vulnerability(
    *, actor: User, registration: Registration, vulnerability: str, note: str
) -> Registration:
    """Add a vulnerability (found on the call-back); the tier follows. Opens a task so that a
    second person sees every flag."""
    verifier_or_refuse(actor)
    own_or_not_found(actor, registration)
    if vulnerability not in VULNERABILITIES:
        raise RegistrationError(C.VULNERABILITY_INVALID, "vulnerability")
    if not note.strip():
        raise RegistrationError(C.NOTE_REQUIRED, "note")
    with transaction.atomic():
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        before = {"vulnerabilities": list(registration.vulnerabilities), "tier": registration.tier}
        if vulnerability not in registration.vulnerabilities:
            registration.vulnerabilities = [*registration.vulnerabilities, vulnerability]
        registration.tier = tier_of(registration.vulnerabilities)
        registration.save(update_fields=["vulnerabilities", "tier"])
        # The same need flagged again while its task is open: the note joins the task's.
        noted = fraud.open_task_with_note(
            kind=TaskKind.VULNERABILITY,
            key=f"{registration.pk}:{vulnerability}",
            registrations=lambda: [registration],
            detail={"vulnerability": vulnerability, "flagged_by": actor.pk},
            note=note.strip()[:NOTE_MAX_LENGTH],
        )
        audit_change(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=registration,
            before=before,
            after={
                "vulnerabilities": registration.vulnerabilities,
                "tier": registration.tier,
                "task": noted.task.pk,
                "note_added_to_open_task": noted.was_open,
            },
            note="vulnerability flagged",
        )
    return registration


def registration_mark_duplicate(
    *, actor: User, registration: Registration, other_number: str, note: str
) -> ReviewTask:
    """A caseworker's suspicion that two registrations are the same family: a review task."""
    verifier_or_refuse(actor)
    own_or_not_found(actor, registration)
    wanted = normalise_number(other_number)
    # Only among what the caseworker may see: another organisation's number is "not found"
    # like a number nobody has (no oracle), the refusal audited.
    other = registrations_visible_to(actor).filter(number=wanted).first()
    if other is None and Registration.objects.filter(number=wanted).exists():
        refuse(
            actor,
            Capability.REGISTRATION_VIEW_ORGANISATION,
            object_type=REGISTRATION,
            object_id=wanted,
            note="another organisation's registration",
        )
    if other is None or other.pk == registration.pk:
        raise RegistrationError(C.REGISTRATION_NOT_FOUND, "other_number")
    if not note.strip():
        raise RegistrationError(C.NOTE_REQUIRED, "note")
    first, second = sorted([registration.pk, other.pk])
    with transaction.atomic():
        # A task for the two may be open already (the duplicate-person signal or another
        # caseworker opened it): the note joins that task's, never lost.
        task, was_open = fraud.open_task_with_note(
            kind=TaskKind.DUPLICATE_PERSON,
            key=f"{first}:{second}",
            registrations=lambda: [registration, other],
            detail={"marked_by": actor.pk},
            note=note.strip()[:NOTE_MAX_LENGTH],
        )
        audit_change(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=task,
            after={
                "kind": task.kind,
                "registrations": [registration.pk, other.pk],
                "note_added_to_open_task": was_open,
            },
            note="suspected duplicate marked",
        )
    return task
