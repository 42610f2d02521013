"""Registering a family: validated once, created once (idempotent on the client request id),
its first status and reason from the policy engine, its call-back task and fraud signals,
audited in the same transaction. ``actor=None`` is the person registering themselves."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_change
from asilo.web.core.access import refuse
from asilo.web.core.ratelimits import network_of
from asilo.web.core.roles import Capability, has_capability
from asilo.web.registrations import assignment, eligibility, fraud
from asilo.web.registrations.eligibility import rules_date
from asilo.web.registrations.errors import RegistrationError
from asilo.web.registrations.errors import RegistrationErrorCode as C
from asilo.web.registrations.models import (
    Channel,
    Member,
    Program,
    Registration,
    Status,
    TaskKind,
)
from asilo.web.registrations.numbers import (
    digest,
    new_number,
    new_pin,
    optional_digest,
    pin_hash,
)
from asilo.web.registrations.services import contact
from asilo.web.registrations.services.common import (
    REGISTRATION,
    FamilyOrStaff,
    actor_or_none,
    member_row,
    record_status,
)
from asilo.web.registrations.validation import (
    RegistrationInput,
    clean_registration,
)


def _phone_key(phone: str | None) -> str | None:
    return optional_digest("phone", phone.lstrip("+")) if phone else None


def _place_key(place: str | None) -> str | None:
    return optional_digest("place", fraud.normalise_name(place or "") or None)


def eligibility_status(outcome: eligibility.Outcome) -> str:
    return Status.WAITING if outcome.eligible else Status.NOT_ELIGIBLE


@dataclass(frozen=True)
class Submission:
    """The registration a submission created or found; ``pin`` only when it was just created."""

    registration: Registration
    created: bool
    pin: str | None = None


def _channel_of(actor: FamilyOrStaff, channel: str | None) -> tuple[str, Any]:
    """The channel and organisation of a submission, refusing actors without the right."""
    user = actor_or_none(actor)
    if user is None:
        if channel not in (None, Channel.SELF_SERVICE):
            refuse(None, Capability.REGISTRATION_CREATE, object_type=REGISTRATION)
            raise RegistrationError(C.FORBIDDEN)
        return Channel.SELF_SERVICE, None
    if not has_capability(user, Capability.REGISTRATION_CREATE) or user.organisation_id is None:
        refuse(user, Capability.REGISTRATION_CREATE, object_type=REGISTRATION)
        raise RegistrationError(C.FORBIDDEN)
    return channel or Channel.ASSISTED, user.organisation


def program_for_registration(code: str) -> Program:
    program = Program.objects.filter(code=code).first()
    if program is None:
        raise RegistrationError(C.PROGRAM_NOT_FOUND, "program")
    if not program.is_open:
        raise RegistrationError(C.PROGRAM_CLOSED, "program")
    return program


def registration_submit(
    *,
    actor: FamilyOrStaff,
    data: Mapping[str, Any],
    source: str,
    device: str | None = None,
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
        actor=actor,
        program=program,
        registration_input=cleaned,
        source=source,
        device=device,
        now=now,
    )


def _existing(raw_request_id: Any) -> Registration | None:
    try:
        request_id = uuid.UUID(str(raw_request_id))
    except ValueError:
        return None
    return Registration.objects.filter(client_request_id=request_id).first()


def registration_create(
    *,
    actor: FamilyOrStaff,
    program: Program,
    registration_input: RegistrationInput,
    source: str,
    channel: str | None = None,
    device: str | None = None,
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
                    device=device,
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
    actor: FamilyOrStaff,
    program: Program,
    data: RegistrationInput,
    source: str,
    channel: str,
    organisation: Any,
    now: datetime,
    device: str | None = None,
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
    # A self-service family the rules admit confirms its contact by a code first (issue 11).
    unverified = contact.needs_contact_check(channel, status)
    # A self-service family nobody has yet: the published rule by port or program decides.
    by_rule = ""
    if organisation is None and channel == Channel.SELF_SERVICE:
        assigned = assignment.organisation_for(program.code, data.preferred_ports)
        if assigned is not None:
            organisation, by_rule = assigned
    user = actor_or_none(actor)
    self_service = user is None and channel == Channel.SELF_SERVICE
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
        # Only what the family's own browser and network say (a caseworker's are not counted).
        device_digest=optional_digest("device", device) if self_service else None,
        network_digest=optional_digest("network", network_of(source) if source else None)
        if self_service
        else None,
        registered_on=now,
        language=data.language,
        contact_phone=data.phone,
        contact_email=data.email,
        contact_whatsapp=data.whatsapp,
        phone_digest=_phone_key(data.phone),
        whatsapp_digest=_phone_key(data.whatsapp),
        email_digest=optional_digest("email", data.email),
        waiting_city=data.waiting_city,
        waiting_place=data.waiting_place,
        place_digest=_place_key(data.waiting_place),
        preferred_ports=list(data.preferred_ports),
        languages=list(data.languages),
        vulnerabilities=list(data.vulnerabilities),
        tier=data.tier,
        a_number=data.a_number,
        a_number_digest=optional_digest("a_number", data.a_number),
        mpp_enrolled_on=data.mpp_enrolled_on,
        mpp_case_status=data.mpp_case_status,
        status="",
        status_changed_at=now,
    )
    members = Member.objects.bulk_create(
        [member_row(registration, index, m, on=on) for index, m in enumerate(data.members)]
    )
    # The history starts with "registered" (the channel), then the engine's answer.
    record_status(
        registration=registration,
        to_status=Status.REGISTERED,
        reason_code="registered",
        reason_params={"channel": channel},
        actor=actor,
        at=now,
    )
    record_status(
        registration=registration,
        to_status=status,
        outcome=outcome,
        actor=actor,
        at=now,
    )
    if unverified:
        # The engine's answer stays in the history; the family waits for its code.
        record_status(
            registration=registration,
            to_status=Status.NEEDS_VERIFICATION,
            reason_code=contact.UNVERIFIED,
            actor=actor,
            at=now,
        )
        status = Status.NEEDS_VERIFICATION
    fraud.open_new_task(
        kind=TaskKind.CALLBACK,
        key=str(registration.pk),
        registration=registration,
        detail={"a_number_given": data.a_number is not None},
    )
    signals = fraud.run_signals(registration, members, now)
    # The audited writes come last: on PostgreSQL the first audit entry of a transaction
    # takes the audit chain's lock until it commits, so every audited write in the server
    # waits for this one; the signals run before it, not while everyone waits (issue 13).
    if unverified:
        contact.contact_code_send(registration, now=now)
    audit_change(
        actor=actor,
        action=AuditAction.CREATE,
        obj=registration,
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
            **({"assigned_by_rule": by_rule} if by_rule else {}),
        },
        catalogue_version=outcome.catalogue_version,
        note=f"channel={channel}",
    )
    return Submission(registration=registration, created=True, pin=pin)
