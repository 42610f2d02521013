"""Which organisation calls a self-service family back (issue 11, finding 6: "any caseworker
can claim any unassigned family").

A self-service family belongs to no organisation when it registers. It gets one either

- by the **published rule** ``ASILO_ASSIGNMENT_RULES``, applied when it registers: entries
  separated by ``;``, each ``port:<port of entry>=<organisation>`` or
  ``program:<program code>=<organisation>``. The family's first preferred port that has a
  rule decides; else its program's rule; else nobody (for example
  ``port:San Ysidro=Casa del Migrante;program:mpp-wind-down-2021=Jewish Family Service``);
- or by a **supervisor** (:func:`registration_assign`, on the review-task page), audited.

Caseworkers never take a family themselves, and see nothing of a family until it is their
organisation's (``selectors.review_tasks_for``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from asilo.web.accounts.models import Organisation
from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_change
from asilo.web.core.access import require
from asilo.web.core.roles import Capability
from asilo.web.registrations.errors import RegistrationError
from asilo.web.registrations.errors import RegistrationErrorCode as C
from asilo.web.registrations.models import Registration, Status

if TYPE_CHECKING:
    from asilo.web.accounts.models import User

logger = logging.getLogger(__name__)
REGISTRATION = "registrations.registration"
KINDS = ("port", "program")


def rules() -> list[tuple[str, str, str]]:
    """``(kind, value, organisation name)`` for each entry of ``ASILO_ASSIGNMENT_RULES``."""
    raw = str(getattr(settings, "ASILO_ASSIGNMENT_RULES", "") or "")
    parsed = []
    for entry in (e.strip() for e in raw.split(";")):
        if not entry:
            continue
        target, equals, organisation = entry.partition("=")
        kind, colon, value = target.partition(":")
        if not equals or not colon or kind.strip() not in KINDS or not value.strip():
            raise ImproperlyConfigured(
                f"ASILO_ASSIGNMENT_RULES: {entry!r} is not 'port:<port>=<organisation>' or "
                "'program:<program code>=<organisation>'."
            )
        parsed.append((kind.strip(), value.strip(), organisation.strip()))
    return parsed


def rule_for(program_code: str, ports: Sequence[str]) -> tuple[str, str, str] | None:
    """The rule that decides for a family of ``program_code`` preferring ``ports``."""
    by_port = {value: rule for rule in rules() if rule[0] == "port" for value in [rule[1]]}
    for port in ports:
        if port in by_port:
            return by_port[port]
    for rule in rules():
        if rule[0] == "program" and rule[1] == program_code:
            return rule
    return None


def organisation_for(program_code: str, ports: Sequence[str]) -> tuple[Organisation, str] | None:
    """(organisation, ``"port:San Ysidro"``) by the published rule, or ``None``."""
    rule = rule_for(program_code, ports)
    if rule is None:
        return None
    organisation = Organisation.objects.filter(name=rule[2]).first()
    if organisation is None:
        logger.warning("assignment rule %s:%s names no organisation", rule[0], rule[1])
        return None
    return organisation, f"{rule[0]}:{rule[1]}"


def registration_assign(*, actor: User, number: str, organisation_id: int) -> Registration:
    """A supervisor gives a self-service family to an organisation (which then calls it back
    and sees it). Only a family no organisation has yet; audited, refusals included."""
    require(actor, Capability.REGISTRATION_REVIEW_HOLDS, object_type=REGISTRATION)
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        raise RegistrationError(C.ORGANISATION_NOT_FOUND, "organisation")
    with transaction.atomic():
        registration = Registration.objects.select_for_update().filter(number=number).first()
        if registration is None:
            raise RegistrationError(C.REGISTRATION_NOT_FOUND)
        if registration.organisation_id is not None:
            raise RegistrationError(C.ALREADY_ASSIGNED)
        if registration.status == Status.CLOSED:
            raise RegistrationError(C.REGISTRATION_NOT_FOUND)
        registration.organisation = organisation
        registration.save(update_fields=["organisation"])
        audit_change(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=registration,
            before={"organisation_id": None},
            after={"organisation_id": organisation.pk},
            note="assigned by a supervisor",
        )
    return registration
