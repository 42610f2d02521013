"""The family fixes its own record: add or remove a member, correct a name or a date of
birth. Each change is validated as at registration, re-evaluated by the engine and audited;
none costs the family its place in the queue (``registered_on`` never changes)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_change, audit_record
from asilo.web.core.roles import Capability, has_capability
from asilo.web.registrations import eligibility
from asilo.web.registrations.eligibility import family_of, rules_date
from asilo.web.registrations.errors import RegistrationError
from asilo.web.registrations.errors import RegistrationErrorCode as C
from asilo.web.registrations.models import (
    Member,
    Registration,
    Status,
)
from asilo.web.registrations.services.common import (
    MEMBER,
    FamilyOrStaff,
    actor_or_none,
    dob_digest,
    member_row,
    own_or_not_found,
    record_status,
)
from asilo.web.registrations.validation import (
    MAX_MEMBERS,
    clean_member,
)

_CORRECTABLE = ("given_names", "surnames", "date_of_birth")


def _may_change_family(actor: FamilyOrStaff, registration: Registration) -> None:
    """The family itself (``actor`` None: signed in with its number and PIN) or a caseworker
    of its organisation."""
    user = actor_or_none(actor)
    if user is None:
        return
    if not has_capability(user, Capability.REGISTRATION_VERIFY) or user.organisation_id is None:
        raise RegistrationError(C.FORBIDDEN)
    own_or_not_found(user, registration)


def _reevaluate_family(*, actor: FamilyOrStaff, registration: Registration, now: datetime) -> None:
    """Ask the engine again with the family as it now is. The place in the queue is kept
    (``registered_on`` never changes); only the answer can move the status."""
    on = rules_date(registration.program, now)
    family = family_of(registration, list(registration.members.order_by("position")), on)
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
        record_status(
            registration=registration,
            to_status=to_status,
            outcome=outcome,
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
    actor: FamilyOrStaff,
    registration: Registration,
    data: Mapping[str, Any],
    now: datetime | None = None,
) -> Member:
    """Add a member (a newborn, a relative who arrived). Validated as at registration,
    re-evaluated by the engine, audited; the family keeps its place in the queue."""
    now = now or timezone.now()
    _may_change_family(actor, registration)
    with transaction.atomic():
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        _refuse_while_offered(registration)
        count = registration.members.count()
        if count >= MAX_MEMBERS:
            raise RegistrationError(C.MEMBERS_TOO_MANY, "members", limit=MAX_MEMBERS)
        position = (registration.members.aggregate(m=models.Max("position"))["m"] or 0) + 1
        on = rules_date(registration.program, now)
        member = member_row(registration, position, clean_member(data, index=count, on=on), on=on)
        member.save()
        audit_change(
            actor=actor,
            action=AuditAction.CREATE,
            obj=member,
            after={"registration": registration.number, "position": position, "of": count + 1},
            note="member added",
        )
        _reevaluate_family(actor=actor, registration=registration, now=now)
    return member


def registration_member_remove(
    *, actor: FamilyOrStaff, registration: Registration, position: int, now: datetime | None = None
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
    actor: FamilyOrStaff,
    registration: Registration,
    position: int,
    changes: Mapping[str, Any],
    now: datetime | None = None,
) -> Member:
    """Correct a member's given names, surnames or date of birth. Validated as at
    registration, re-evaluated by the engine, audited (the names of the fields changed,
    never their values); the place in the queue is kept, an offered appointment too."""
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
            member.dob_digest = dob_digest(cleaned.date_of_birth)
        member.save()
        audit_change(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=member,
            after={"registration": registration.number, "position": position, "fields": changed},
            note="member corrected",
        )
        _reevaluate_family(actor=actor, registration=registration, now=now)
    return member
