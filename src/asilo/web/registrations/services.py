"""Writes on registrations: one transaction each, audited in the same transaction.

Audit entries carry ids, codes and the names of fields, never names or contact details.
``actor=None`` is the person registering themselves (the self-service channel).
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeAlias

from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from asilo.web.accounts.roles import Capability, has_capability
from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_record
from asilo.web.core.access import refuse
from asilo.web.registrations import eligibility, fraud, lifecycle
from asilo.web.registrations.errors import RegistrationError
from asilo.web.registrations.errors import RegistrationErrorCode as C
from asilo.web.registrations.models import (
    Channel,
    ClosedReason,
    Member,
    PinRecovery,
    Program,
    Registration,
    ReviewTask,
    Status,
    StatusChange,
    TaskKind,
    TaskOutcome,
    TaskState,
)
from asilo.web.registrations.validation import (
    VULNERABILITIES,
    RegistrationInput,
    clean_registration,
    tier_of,
)

if TYPE_CHECKING:
    from asilo.web.accounts.models import User

    Actor: TypeAlias = User | AnonymousUser | None

REGISTRATION = "registrations.registration"
TASK = "registrations.reviewtask"
PROGRAM = "registrations.program"
_NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


# --- keyed digests, numbers and PINs --------------------------------------------------------


def digest(kind: str, value: str) -> str:
    """Keyed digest (HMAC-SHA256 from ``SECRET_KEY``) used to group values without reading them."""
    return salted_hmac(f"asilo.registrations.{kind}", value, algorithm="sha256").hexdigest()


def _optional_digest(kind: str, value: str | None) -> str | None:
    return digest(kind, value) if value else None


def _phone_key(phone: str | None) -> str | None:
    return _optional_digest("phone", phone.lstrip("+")) if phone else None


def _place_key(place: str | None) -> str | None:
    return _optional_digest("place", fraud.normalise_name(place or "") or None)


def new_number() -> str:
    """``R-7K2M-9QXA``: 8 random characters without 0/O, 1/I/L (easy to read out by phone)."""
    chars = "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(8))
    return f"R-{chars[:4]}-{chars[4:]}"


def normalise_number(raw: str) -> str:
    """``r 7k2m 9qxa``, ``7K2M9QXA`` or ``R-7K2M-9QXA`` → ``R-7K2M-9QXA`` (as read out by phone)."""
    chars = "".join(c for c in raw.upper() if c.isalnum())
    if len(chars) == 9 and chars.startswith("R"):
        chars = chars[1:]
    if len(chars) != 8:
        return raw.strip().upper()
    return f"R-{chars[:4]}-{chars[4:]}"


def new_pin() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def pin_hash(pin: str, salt: str) -> str:
    """Keyed hash of the PIN: useless without ``SECRET_KEY``; wrong tries are rate-limited."""
    return salted_hmac("asilo.registrations.pin", salt + pin, algorithm="sha256").hexdigest()


def _actor_or_none(actor: Actor) -> User | None:
    if actor is None or not actor.is_authenticated:
        return None
    return actor  # type: ignore[return-value]


# --- status history ---------------------------------------------------------------------------


def _record_status(
    *,
    registration: Registration,
    to_status: str,
    outcome: eligibility.Outcome | None,
    reason_code: str,
    reason_params: dict[str, Any],
    actor: Actor,
    at: datetime,
    closed_reason: str = "",
    audit: bool = False,
    note: str = "",
) -> StatusChange:
    """Through the lifecycle's one service (``lifecycle.registration_status_change``)."""
    return lifecycle.registration_status_change(
        actor=actor,
        registration=registration,
        to_status=to_status,
        reason_code=reason_code,
        reason_params=reason_params,
        closed_reason=closed_reason,
        outcome=outcome,
        now=at,
        audit=audit,
        note=note,
    )


def eligibility_status(outcome: eligibility.Outcome) -> str:
    return Status.WAITING if outcome.eligible else Status.NOT_ELIGIBLE


def member_age_on(member: Member, on: date, registered_on: date) -> int:
    """A member's age on ``on``: from the date of birth, else the age given at registration
    plus the whole years since."""
    if member.date_of_birth is not None:
        born = member.date_of_birth
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return (member.age or 0) + max(0, (on - registered_on).days // 365)


def _family(registration: Registration, members: list[Member], on: date) -> eligibility.Family:
    registered_on = timezone.localdate(registration.registered_on)
    return eligibility.Family(
        ages=tuple(member_age_on(m, on, registered_on) for m in members),
        nationalities=tuple(m.nationality for m in members),
        mpp_case_status=registration.mpp_case_status,
    )


# --- creating a registration ------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    """The registration a submission created or found; ``pin`` only when it was just created."""

    registration: Registration
    created: bool
    pin: str | None = None


def _channel_of(actor: Actor, channel: str | None) -> tuple[str, Any]:
    """The channel and organisation of a submission, refusing actors without the right."""
    user = _actor_or_none(actor)
    if user is None:
        if channel not in (None, Channel.SELF_SERVICE):
            refuse(None, Capability.REGISTRATION_CREATE, object_type=REGISTRATION)
            raise RegistrationError(C.FORBIDDEN)
        return Channel.SELF_SERVICE, None
    if not has_capability(user, Capability.REGISTRATION_CREATE) or user.organisation_id is None:
        refuse(user, Capability.REGISTRATION_CREATE, object_type=REGISTRATION)
        raise RegistrationError(C.FORBIDDEN)
    return channel or Channel.ASSISTED, user.organisation


def rules_date(program: Program, now: datetime) -> date:
    """The date whose rules decide eligibility: the program's replay date, else today."""
    return program.rules_as_of or timezone.localdate(now)


def rules_unverified_after(program: Program, now: datetime | None = None) -> date | None:
    """The policy catalogue's ``verified_through`` date when the program's rules date is later
    (its rules were then not verified: the family's page says so), else ``None``."""
    from asilo.policy import load_catalogue

    verified = load_catalogue().verified_through
    return verified if rules_date(program, now or timezone.now()) > verified else None


def program_for_registration(code: str) -> Program:
    program = Program.objects.filter(code=code).first()
    if program is None:
        raise RegistrationError(C.PROGRAM_NOT_FOUND, "program")
    if not program.is_open:
        raise RegistrationError(C.PROGRAM_CLOSED, "program")
    return program


def registration_submit(
    *,
    actor: Actor,
    data: Mapping[str, Any],
    source: str,
    now: datetime | None = None,
) -> Submission:
    """Validate ``data`` (the form's or the API's) and create the registration once.

    A ``client_request_id`` seen before returns the registration it created, whatever else
    the resubmission holds: a double tap or a retry on a bad connection never makes two.
    """
    now = now or timezone.now()
    existing = _existing(data.get("client_request_id"))
    if existing is not None:
        _channel_of(actor, None)
        return Submission(registration=existing, created=False)
    program = program_for_registration(str(data.get("program") or ""))
    channel, _ = _channel_of(actor, None)
    cleaned = clean_registration(
        data,
        program=program,
        on=rules_date(program, now),
        contact_required=channel == Channel.SELF_SERVICE,
    )
    return registration_create(
        actor=actor, program=program, registration_input=cleaned, source=source, now=now
    )


def _existing(raw_request_id: Any) -> Registration | None:
    try:
        request_id = uuid.UUID(str(raw_request_id))
    except ValueError:
        return None
    return Registration.objects.filter(client_request_id=request_id).first()


def registration_create(
    *,
    actor: Actor,
    program: Program,
    registration_input: RegistrationInput,
    source: str,
    channel: str | None = None,
    now: datetime | None = None,
) -> Submission:
    """Create one registration (members, first status with its reason, call-back task,
    fraud signals, audit entry) in one transaction; idempotent on the client request id."""
    now = now or timezone.now()
    channel, organisation = _channel_of(actor, channel)
    for attempt in range(3):
        try:
            with transaction.atomic():
                return _create(
                    actor=actor,
                    program=program,
                    data=registration_input,
                    source=source,
                    channel=channel,
                    organisation=organisation,
                    now=now,
                )
        except IntegrityError:
            # Two copies of one submission raced: the other one won; answer with its result.
            existing = _existing(registration_input.client_request_id)
            if existing is not None:
                return Submission(registration=existing, created=False)
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _create(
    *,
    actor: Actor,
    program: Program,
    data: RegistrationInput,
    source: str,
    channel: str,
    organisation: Any,
    now: datetime,
) -> Submission:
    # A client request id seen before fails the insert below (unique constraint); the caller
    # then answers with the registration it made.
    on = rules_date(program, now)
    outcome = eligibility.evaluate(
        rule=program.rule,
        ports=program.ports,
        family=eligibility.Family(
            ages=tuple(m.age_on(on) for m in data.members),
            nationalities=tuple(m.nationality for m in data.members),
            mpp_case_status=data.mpp_case_status,
        ),
        on=on,
    )
    pin = new_pin()
    salt = secrets.token_hex(8)
    number = new_number()  # 31^8 ≈ 8.5e11 numbers; a clash fails the insert and is retried
    status = eligibility_status(outcome)
    user = _actor_or_none(actor)
    registration = Registration.objects.create(
        number=number,
        pin_hash=pin_hash(pin, salt),
        pin_salt=salt,
        client_request_id=data.client_request_id,
        program=program,
        channel=channel,
        organisation=organisation,
        created_by=user,
        source_digest=digest("source", f"user:{user.pk}" if user else f"addr:{source}"),
        registered_on=now,
        language=data.language,
        contact_phone=data.phone,
        contact_email=data.email,
        contact_whatsapp=data.whatsapp,
        phone_digest=_phone_key(data.phone),
        whatsapp_digest=_phone_key(data.whatsapp),
        email_digest=_optional_digest("email", data.email),
        waiting_city=data.waiting_city,
        waiting_place=data.waiting_place,
        place_digest=_place_key(data.waiting_place),
        preferred_ports=list(data.preferred_ports),
        languages=list(data.languages),
        vulnerabilities=list(data.vulnerabilities),
        tier=data.tier,
        a_number=data.a_number,
        a_number_digest=_optional_digest("a_number", data.a_number),
        mpp_enrolled_on=data.mpp_enrolled_on,
        mpp_case_status=data.mpp_case_status,
        status="",
        status_changed_at=now,
    )
    members = Member.objects.bulk_create(
        [
            Member(
                registration=registration,
                position=index,
                given_names=m.given_names,
                surnames=m.surnames,
                date_of_birth=m.date_of_birth,
                dob_digest=_optional_digest(
                    "dob", m.date_of_birth.isoformat() if m.date_of_birth else None
                ),
                age=m.age if m.date_of_birth is None else m.age_on(on),
                sex=m.sex,
                nationality=m.nationality,
                relationship=m.relationship,
            )
            for index, m in enumerate(data.members)
        ]
    )
    # The history starts with "registered" (the channel), then the engine's answer.
    _record_status(
        registration=registration,
        to_status=Status.REGISTERED,
        outcome=None,
        reason_code="registered",
        reason_params={"channel": channel},
        actor=actor,
        at=now,
    )
    _record_status(
        registration=registration,
        to_status=status,
        outcome=outcome,
        reason_code=outcome.reason_code,
        reason_params=outcome.reason_params,
        actor=actor,
        at=now,
    )
    fraud.open_new_task(
        kind=TaskKind.CALLBACK,
        key=str(registration.pk),
        registration=registration,
        detail={"a_number_given": data.a_number is not None},
    )
    signals = fraud.run_signals(registration, members, now)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        object_type=REGISTRATION,
        object_id=registration.pk,
        after={
            "number": registration.number,
            "program": program.code,
            "channel": channel,
            "organisation_id": getattr(organisation, "pk", None),
            "members": len(members),
            "tier": registration.tier,
            "status": status,
            "reason": outcome.reason_code,
            "review_tasks": sorted({t.kind for t in signals}),
        },
        catalogue_version=outcome.catalogue_version,
        note=f"channel={channel}",
    )
    return Submission(registration=registration, created=True, pin=pin)


# --- re-evaluating eligibility ----------------------------------------------------------------


@dataclass(frozen=True)
class Reevaluation:
    program: str
    on: date
    evaluated: int
    changed: list[tuple[str, str, str, str]]  # number, from, to, reason code


def program_reevaluate(*, actor: Actor, program: Program, on: date) -> Reevaluation:
    """Ask the policy engine again, as of ``on``, for every registration of ``program`` still
    in the queue; change the status, with its reason, of each one whose answer changed."""
    now = timezone.now()
    changed: list[tuple[str, str, str, str]] = []
    evaluated = 0
    cache: dict[Any, eligibility.Outcome] = {}
    with transaction.atomic():
        queue = (
            Registration.objects.select_for_update()
            .filter(
                Q(status__in=[Status.WAITING, Status.NEEDS_VERIFICATION, Status.NOT_ELIGIBLE])
                | Q(status=Status.CLOSED, closed_reason=ClosedReason.INELIGIBLE),
                program=program,
            )
            .order_by("id")
        )
        for registration in queue.iterator(chunk_size=500):
            evaluated += 1
            family = _family(registration, list(registration.members.all()), on)
            if family not in cache:
                cache[family] = eligibility.evaluate(
                    rule=program.rule, ports=program.ports, family=family, on=on
                )
            outcome = cache[family]
            was = registration.status
            to_status, closed_reason = _reevaluated(registration, outcome)
            if to_status is None:
                continue
            _record_status(
                registration=registration,
                to_status=to_status,
                outcome=outcome,
                reason_code=outcome.reason_code,
                reason_params=outcome.reason_params,
                closed_reason=closed_reason,
                actor=actor,
                at=now,
                audit=True,
                note="re-evaluation",
            )
            changed.append((registration.number, was, to_status, outcome.rule))
        audit_record(
            actor=actor,
            action=AuditAction.REVIEW,
            object_type=PROGRAM,
            object_id=program.pk,
            after={"on": on.isoformat(), "evaluated": evaluated, "changed": len(changed)},
            note="re-evaluation of eligibility",
        )
    return Reevaluation(program=program.code, on=on, evaluated=evaluated, changed=changed)


def _reevaluated(
    registration: Registration, outcome: eligibility.Outcome
) -> tuple[str | None, str]:
    """The move a re-evaluation makes, or None: an eligible family not in the queue goes back
    to waiting; a waiting family no longer eligible is closed (ineligible after a rule change);
    a family not eligible from the start stays ``not_eligible``."""
    status = registration.status
    if outcome.eligible:
        if status == Status.NOT_ELIGIBLE or (
            status == Status.CLOSED and registration.closed_reason == ClosedReason.INELIGIBLE
        ):
            return Status.WAITING, ""
        return None, ""
    if status in (Status.WAITING, Status.NEEDS_VERIFICATION):
        return Status.CLOSED, ClosedReason.INELIGIBLE
    return None, ""


# --- the person's status page -----------------------------------------------------------------


def pin_failure_limit() -> int:
    return fraud.setting("ASILO_PIN_FAILURE_LIMIT", 5)


def pin_lock_minutes() -> int:
    return fraud.setting("ASILO_PIN_LOCK_MINUTES", 30)


def registration_status_lookup(
    *, number: str, pin: str, now: datetime | None = None
) -> Registration:
    """The registration for this number and PIN. Wrong PINs are counted; after
    ``ASILO_PIN_FAILURE_LIMIT`` of them the number is locked for ``ASILO_PIN_LOCK_MINUTES``.
    An unknown number and a wrong PIN get the same answer."""
    now = now or timezone.now()
    number = normalise_number(number)
    with transaction.atomic():
        registration = Registration.objects.select_for_update().filter(number=number).first()
        if registration is None:
            raise RegistrationError(C.STATUS_LOOKUP_FAILED, "pin")
        if registration.pin_locked_until is not None and registration.pin_locked_until > now:
            minutes = max(1, int((registration.pin_locked_until - now).total_seconds() // 60) + 1)
            raise RegistrationError(C.STATUS_LOOKUP_LOCKED, "pin", minutes=minutes)
        good = constant_time_compare(
            pin_hash(pin.strip(), registration.pin_salt), registration.pin_hash
        )
        if good:
            if registration.pin_failures:
                registration.pin_failures = 0
                registration.pin_locked_until = None
                registration.save(update_fields=["pin_failures", "pin_locked_until"])
            audit_record(
                actor=None,
                action=AuditAction.VIEW,
                object_type=REGISTRATION,
                object_id=registration.pk,
                note="status page (registration number and PIN)",
            )
            return registration
        registration.pin_failures += 1
        locked = registration.pin_failures >= pin_failure_limit()
        if locked:
            registration.pin_locked_until = now + timedelta(minutes=pin_lock_minutes())
            registration.pin_failures = 0
        registration.save(update_fields=["pin_failures", "pin_locked_until"])
        audit_record(
            actor=None,
            action=AuditAction.REFUSED,
            object_type=REGISTRATION,
            object_id=registration.pk,
            note="wrong PIN" + ("; locked" if locked else ""),
        )
    if locked:
        raise RegistrationError(C.STATUS_LOOKUP_LOCKED, "pin", minutes=pin_lock_minutes())
    raise RegistrationError(C.STATUS_LOOKUP_FAILED, "pin")


# --- verification -----------------------------------------------------------------------------

_OUTCOMES_BY_KIND: dict[str, frozenset[str]] = {
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
    TaskKind.VULNERABILITY: frozenset({TaskOutcome.NOTED}),
}


def _require_verifier(actor: User) -> None:
    if not has_capability(actor, Capability.REGISTRATION_VERIFY) or actor.organisation_id is None:
        refuse(actor, Capability.REGISTRATION_VERIFY, object_type="registrations.reviewtask")
        raise RegistrationError(C.FORBIDDEN)


def _require_own(actor: User, registration: Registration) -> None:
    if registration.organisation_id != actor.organisation_id:
        raise RegistrationError(C.REGISTRATION_NOT_FOUND)


def review_task_close(*, actor: User, task_id: int, outcome: str, note: str = "") -> ReviewTask:
    """Close a review task with its outcome; a verified call-back marks the family verified.
    Outcomes other than "verified", "not a duplicate" and "no abuse" need a note."""
    reviews_holds = has_capability(actor, Capability.REGISTRATION_REVIEW_HOLDS)
    if not reviews_holds:
        _require_verifier(actor)
    note = note.strip()
    with transaction.atomic():
        task = ReviewTask.objects.select_for_update().filter(pk=task_id).first()
        if task is None:
            raise RegistrationError(C.TASK_NOT_FOUND)
        registrations = list(task.registrations.all())
        if reviews_holds:
            if task.kind not in fraud.HOLDING_KINDS:
                raise RegistrationError(C.TASK_NOT_FOUND)
        elif not any(r.organisation_id == actor.organisation_id for r in registrations):
            raise RegistrationError(C.TASK_NOT_FOUND)
        if task.state != TaskState.OPEN:
            raise RegistrationError(C.TASK_CLOSED)
        if outcome not in _OUTCOMES_BY_KIND.get(task.kind, frozenset()):
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
        if task.kind == TaskKind.CALLBACK and outcome == TaskOutcome.VERIFIED:
            for registration in registrations:
                registration.verified_at = now
                registration.verified_by = actor
                registration.save(update_fields=["verified_at", "verified_by"])
                if registration.status == Status.NEEDS_VERIFICATION:
                    _record_status(
                        registration=registration,
                        to_status=Status.WAITING,
                        outcome=None,
                        reason_code="verified",
                        reason_params={},
                        actor=actor,
                        at=now,
                        audit=True,
                    )
        elif task.kind == TaskKind.CALLBACK and outcome == TaskOutcome.DETAILS_WRONG:
            for registration in registrations:
                if registration.status in (Status.WAITING, Status.REGISTERED):
                    _record_status(
                        registration=registration,
                        to_status=Status.NEEDS_VERIFICATION,
                        outcome=None,
                        reason_code="details_wrong",
                        reason_params={},
                        actor=actor,
                        at=now,
                        audit=True,
                    )
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
                _record_status(
                    registration=later,
                    to_status=Status.CLOSED,
                    closed_reason=ClosedReason.DUPLICATE,
                    outcome=None,
                    reason_code="duplicate",
                    reason_params={"number": first.number},
                    actor=actor,
                    at=now,
                    audit=True,
                )
        audit_record(
            actor=actor,
            action=AuditAction.REVIEW,
            object_type=TASK,
            object_id=task.pk,
            after={
                "kind": task.kind,
                "outcome": outcome,
                "registrations": [r.pk for r in registrations],
            },
        )
    return task


def callback_take(*, actor: User, task_id: int) -> ReviewTask:
    """A caseworker takes an unassigned self-service family's call-back for their
    organisation, which from then on sees (and verifies) that registration."""
    _require_verifier(actor)
    with transaction.atomic():
        task = (
            ReviewTask.objects.select_for_update()
            .filter(pk=task_id, kind=TaskKind.CALLBACK, state=TaskState.OPEN)
            .first()
        )
        if task is None:
            raise RegistrationError(C.TASK_NOT_FOUND)
        registration = task.registrations.get()
        if registration.organisation_id is not None:
            _require_own(actor, registration)
            return task
        registration.organisation = actor.organisation
        registration.save(update_fields=["organisation"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type=REGISTRATION,
            object_id=registration.pk,
            before={"organisation_id": None},
            after={"organisation_id": actor.organisation_id},
            note="call-back taken",
        )
    return task


def registration_flag_vulnerability(
    *, actor: User, registration: Registration, vulnerability: str, note: str
) -> Registration:
    """Add a vulnerability (found on the call-back); the tier follows. Opens a task so that a
    second person sees every flag."""
    _require_verifier(actor)
    _require_own(actor, registration)
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
        fraud.open_task(
            kind=TaskKind.VULNERABILITY,
            key=f"{registration.pk}:{vulnerability}",
            registrations=lambda: [registration],
            detail={"vulnerability": vulnerability, "flagged_by": actor.pk},
        )
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type=REGISTRATION,
            object_id=registration.pk,
            before=before,
            after={"vulnerabilities": registration.vulnerabilities, "tier": registration.tier},
            note="vulnerability flagged",
        )
    return registration


def registration_mark_duplicate(
    *, actor: User, registration: Registration, other_number: str, note: str
) -> ReviewTask:
    """A caseworker's suspicion that two registrations are the same family: a review task."""
    _require_verifier(actor)
    _require_own(actor, registration)
    other = Registration.objects.filter(number=normalise_number(other_number)).first()
    if other is None or other.pk == registration.pk:
        raise RegistrationError(C.REGISTRATION_NOT_FOUND, "other_number")
    if not note.strip():
        raise RegistrationError(C.NOTE_REQUIRED, "note")
    first, second = sorted([registration.pk, other.pk])
    with transaction.atomic():
        task = fraud.open_task(
            kind=TaskKind.DUPLICATE_PERSON,
            key=f"{first}:{second}",
            registrations=lambda: [registration, other],
            detail={"marked_by": actor.pk, "note": note.strip()[:500]},
        )
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type=TASK,
            object_id=task.pk,
            after={"kind": task.kind, "registrations": [registration.pk, other.pk]},
            note="suspected duplicate marked",
        )
    return task


# --- a lost PIN -------------------------------------------------------------------------------

PIN_CODE_MINUTES = 15
PIN_CODE_TRIES = 5
PIN_CODES_PER_DAY = 3


def _contact_for_code(registration: Registration) -> tuple[str, str] | None:
    """(channel, address) where the code goes: the family's latest contact for notices when
    it changed it, else what it gave when registering (phone for SMS first, then e-mail)."""
    from django.apps import apps

    phone = registration.contact_phone or registration.contact_whatsapp
    email = registration.contact_email
    if apps.is_installed("asilo.web.appointments"):
        from asilo.web.appointments.services import contact_of

        phone, email, _language = contact_of(registration)
    if phone:
        return "sms", phone
    if email:
        return "email", email
    return None


def pin_recovery_request(*, number: str, now: datetime | None = None) -> None:
    """Send a one-time code to the contact on file of the registration with ``number``.

    The answer is the same whether the number exists, has a contact, or has asked too often
    (nothing is revealed); each request is audited with what happened. The code goes through
    the notification outbox (``asilo.web.appointments``), in the family's language."""
    now = now or timezone.now()
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update().filter(number=normalise_number(number)).first()
        )
        if registration is None:
            return
        contact = _contact_for_code(registration)
        recent = PinRecovery.objects.filter(
            registration=registration, created_at__gte=now - timedelta(days=1)
        ).count()
        refused = "no contact on file" if contact is None else ""
        if not refused and recent >= PIN_CODES_PER_DAY:
            refused = "too many codes today"
        if refused:
            audit_record(
                actor=None,
                action=AuditAction.REFUSED,
                object_type=REGISTRATION,
                object_id=registration.pk,
                note=f"PIN recovery: {refused}",
            )
            return
        assert contact is not None
        code = new_pin()
        salt = secrets.token_hex(8)
        recovery = PinRecovery.objects.create(
            registration=registration,
            code_hash=pin_hash(code, salt),
            code_salt=salt,
            channel=contact[0],
            created_at=now,
            expires_at=now + timedelta(minutes=PIN_CODE_MINUTES),
        )
        _send_code(registration, contact, code, now)
        audit_record(
            actor=None,
            action=AuditAction.CREATE,
            object_type=REGISTRATION,
            object_id=registration.pk,
            after={"pin_recovery": recovery.pk, "channel": contact[0]},
            note="PIN recovery: code sent",
        )


def _send_code(
    registration: Registration, contact: tuple[str, str], code: str, now: datetime
) -> None:
    from asilo.web.appointments.models import MessageKind, OutboxMessage
    from asilo.web.appointments.notifications import notice_language, render_message
    from asilo.web.appointments.services import _deliver_after_commit, contact_of

    _phone, _email, language = contact_of(registration)
    language = notice_language(language)
    subject, body = render_message(
        MessageKind.PIN_CODE,
        language,
        {"number": registration.number, "code": code, "minutes": PIN_CODE_MINUTES},
    )
    message = OutboxMessage.objects.create(
        registration=registration,
        kind=MessageKind.PIN_CODE,
        channel=contact[0],
        address=contact[1],
        language=language,
        subject=subject,
        body=body,
        created_at=now,
    )
    _deliver_after_commit([message.pk])


def pin_recovery_confirm(*, number: str, code: str, now: datetime | None = None) -> str:
    """The code sent by :func:`pin_recovery_request` → a new PIN (returned once; the old one
    stops working). A wrong, used or expired code gets one answer; after
    ``PIN_CODE_TRIES`` wrong tries the code is spent. Audited either way."""
    now = now or timezone.now()
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update().filter(number=normalise_number(number)).first()
        )
        recovery = (
            PinRecovery.objects.select_for_update()
            .filter(registration=registration, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at", "-id")
            .first()
            if registration is not None
            else None
        )
        if registration is None or recovery is None or recovery.attempts >= PIN_CODE_TRIES:
            if registration is not None:
                audit_record(
                    actor=None,
                    action=AuditAction.REFUSED,
                    object_type=REGISTRATION,
                    object_id=registration.pk,
                    note="PIN recovery: no valid code",
                )
            failed = True
        else:
            good = constant_time_compare(
                pin_hash(code.strip(), recovery.code_salt), recovery.code_hash
            )
            if not good:
                recovery.attempts += 1
                recovery.save(update_fields=["attempts"])
                audit_record(
                    actor=None,
                    action=AuditAction.REFUSED,
                    object_type=REGISTRATION,
                    object_id=registration.pk,
                    note="PIN recovery: wrong code",
                )
                failed = True
            else:
                failed = False
                pin = new_pin()
                salt = secrets.token_hex(8)
                registration.pin_hash = pin_hash(pin, salt)
                registration.pin_salt = salt
                registration.pin_failures = 0
                registration.pin_locked_until = None
                registration.save(
                    update_fields=["pin_hash", "pin_salt", "pin_failures", "pin_locked_until"]
                )
                recovery.used_at = now
                recovery.save(update_fields=["used_at"])
                audit_record(
                    actor=None,
                    action=AuditAction.UPDATE,
                    object_type=REGISTRATION,
                    object_id=registration.pk,
                    after={"pin_recovery": recovery.pk},
                    note="PIN recovery: new PIN chosen",
                )
    if failed:
        raise RegistrationError(C.PIN_CODE_INVALID, "code")
    return pin


# --- the family fixes its own record -------------------------------------------------------------

MEMBER = "registrations.member"
_CORRECTABLE = ("given_names", "surnames", "date_of_birth")


def _may_change_family(actor: Actor, registration: Registration) -> None:
    """The family itself (``actor`` None: signed in with its number and PIN) or a caseworker
    of its organisation."""
    user = _actor_or_none(actor)
    if user is None:
        return
    if not has_capability(user, Capability.REGISTRATION_VERIFY) or user.organisation_id is None:
        raise RegistrationError(C.FORBIDDEN)
    _require_own(user, registration)


def _reevaluate_family(*, actor: Actor, registration: Registration, now: datetime) -> None:
    """Ask the engine again with the family as it now is. The place in the queue is kept
    (``registered_on`` never changes); only the answer can move the status."""
    on = rules_date(registration.program, now)
    family = _family(registration, list(registration.members.order_by("position")), on)
    outcome = eligibility.evaluate(
        rule=registration.program.rule,
        ports=registration.program.ports,
        family=family,
        on=on,
    )
    status = registration.status
    to_status: str | None = None
    if outcome.eligible and status == Status.NOT_ELIGIBLE:
        to_status = Status.WAITING
    elif not outcome.eligible and status in (Status.WAITING, Status.NEEDS_VERIFICATION):
        to_status = Status.NOT_ELIGIBLE
    if to_status is not None:
        _record_status(
            registration=registration,
            to_status=to_status,
            outcome=outcome,
            reason_code=outcome.reason_code,
            reason_params=outcome.reason_params,
            actor=actor,
            at=now,
            audit=True,
            note="re-evaluated after a change of the family",
        )


def _refuse_while_offered(registration: Registration) -> None:
    if registration.status == Status.OFFERED:
        raise RegistrationError(C.FAMILY_CHANGE_WHILE_OFFERED)


def registration_member_add(
    *,
    actor: Actor,
    registration: Registration,
    data: Mapping[str, Any],
    now: datetime | None = None,
) -> Member:
    """Add a member (a newborn, a relative who arrived). Validated as at registration,
    re-evaluated by the engine, audited; the family keeps its place in the queue."""
    from asilo.web.registrations.validation import MAX_MEMBERS, clean_member

    now = now or timezone.now()
    _may_change_family(actor, registration)
    with transaction.atomic():
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        _refuse_while_offered(registration)
        count = registration.members.count()
        if count >= MAX_MEMBERS:
            raise RegistrationError(C.MEMBERS_TOO_MANY, "members", limit=MAX_MEMBERS)
        position = (registration.members.aggregate(m=models.Max("position"))["m"] or 0) + 1
        cleaned = clean_member(data, index=count, on=rules_date(registration.program, now))
        member = Member.objects.create(
            registration=registration,
            position=position,
            given_names=cleaned.given_names,
            surnames=cleaned.surnames,
            date_of_birth=cleaned.date_of_birth,
            dob_digest=_optional_digest(
                "dob", cleaned.date_of_birth.isoformat() if cleaned.date_of_birth else None
            ),
            age=cleaned.age,
            sex=cleaned.sex,
            nationality=cleaned.nationality,
            relationship=cleaned.relationship,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            object_type=MEMBER,
            object_id=member.pk,
            after={"registration": registration.number, "position": position, "of": count + 1},
            note="member added",
        )
        _reevaluate_family(actor=actor, registration=registration, now=now)
    return member


def registration_member_remove(
    *, actor: Actor, registration: Registration, position: int, now: datetime | None = None
) -> None:
    """Remove a member who no longer travels with the family (never the person
    registering); re-evaluated and audited; the place in the queue is kept."""
    now = now or timezone.now()
    _may_change_family(actor, registration)
    with transaction.atomic():
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        _refuse_while_offered(registration)
        member = registration.members.filter(position=position).first()
        if member is None:
            raise RegistrationError(C.MEMBER_NOT_FOUND, "position")
        if member.position == 0:
            raise RegistrationError(C.PRINCIPAL_STAYS, "position")
        member_id = member.pk
        member.delete()
        audit_record(
            actor=actor,
            action=AuditAction.DELETE,
            object_type=MEMBER,
            object_id=member_id,
            before={"registration": registration.number, "position": position},
            after={"members": registration.members.count()},
            note="member removed",
        )
        _reevaluate_family(actor=actor, registration=registration, now=now)


def registration_member_correct(
    *,
    actor: Actor,
    registration: Registration,
    position: int,
    changes: Mapping[str, Any],
    now: datetime | None = None,
) -> Member:
    """Correct a member's given names, surnames or date of birth. Validated as at
    registration, re-evaluated by the engine, audited (the names of the fields changed,
    never their values); the place in the queue is kept, an offered appointment too."""
    from asilo.web.registrations.validation import clean_member

    now = now or timezone.now()
    _may_change_family(actor, registration)
    unknown = set(changes) - set(_CORRECTABLE)
    if unknown:
        raise RegistrationError(C.FIELD_NOT_CORRECTABLE, sorted(unknown)[0])
    with transaction.atomic():
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        member = registration.members.filter(position=position).first()
        if member is None:
            raise RegistrationError(C.MEMBER_NOT_FOUND, "position")
        current = {
            "given_names": member.given_names,
            "surnames": member.surnames,
            "date_of_birth": member.date_of_birth.isoformat() if member.date_of_birth else "",
            "age": "" if member.date_of_birth else member.age,
            "sex": member.sex,
            "nationality": member.nationality,
            "relationship": member.relationship,
        }
        wanted = {**current, **{k: v for k, v in changes.items() if v not in (None, "")}}
        if wanted.get("date_of_birth"):
            wanted["age"] = ""
        cleaned = clean_member(wanted, index=position, on=rules_date(registration.program, now))
        changed = [f for f in _CORRECTABLE if str(wanted[f]) != str(current[f])]
        member.given_names = cleaned.given_names
        member.surnames = cleaned.surnames
        if cleaned.date_of_birth is not None:
            member.date_of_birth = cleaned.date_of_birth
            member.dob_digest = _optional_digest("dob", cleaned.date_of_birth.isoformat())
        member.save()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type=MEMBER,
            object_id=member.pk,
            after={"registration": registration.number, "position": position, "fields": changed},
            note="member corrected",
        )
        _reevaluate_family(actor=actor, registration=registration, now=now)
    return member
