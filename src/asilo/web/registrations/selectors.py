"""Reads of registrations, always through the reader's rights.

A caseworker sees their organisation's registrations; a supervisor or an auditor sees all;
anyone else sees none. A registration outside one's rights is "not found", never "forbidden",
so its existence is not revealed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from asilo.web.accounts.roles import Capability, has_capability
from asilo.web.audit.services import audit_view
from asilo.web.registrations.errors import RegistrationError
from asilo.web.registrations.errors import RegistrationErrorCode as C
from asilo.web.registrations.models import Program, Registration, ReviewTask, TaskKind, TaskState
from asilo.web.registrations.services import normalise_number

if TYPE_CHECKING:
    from asilo.web.accounts.models import User


def may_read_registrations(user: User | AnonymousUser | None) -> bool:
    return has_capability(user, Capability.REGISTRATION_VIEW_ALL) or has_capability(
        user, Capability.REGISTRATION_VIEW_ORGANISATION
    )


def registrations_visible_to(user: User | AnonymousUser | None) -> QuerySet[Registration]:
    base = Registration.objects.select_related("program", "organisation")
    if has_capability(user, Capability.REGISTRATION_VIEW_ALL):
        return base.all()
    if has_capability(user, Capability.REGISTRATION_VIEW_ORGANISATION):
        organisation_id = getattr(user, "organisation_id", None)
        if organisation_id is not None:
            return base.filter(organisation_id=organisation_id)
    return base.none()


def registration_list(
    *,
    user: User | AnonymousUser | None,
    status: str | None = None,
    program: str | None = None,
) -> QuerySet[Registration]:
    if not may_read_registrations(user):
        raise RegistrationError(C.FORBIDDEN)
    rows = registrations_visible_to(user).order_by("-registered_on", "-id")
    if status:
        rows = rows.filter(status=status)
    if program:
        rows = rows.filter(program__code=program)
    return rows


def registration_get(*, user: User | AnonymousUser | None, number: str) -> Registration:
    """One registration with its members and history; the read is audited."""
    if not may_read_registrations(user):
        raise RegistrationError(C.FORBIDDEN)
    registration = (
        registrations_visible_to(user)
        .prefetch_related("members", "status_changes", "review_tasks")
        .filter(number=normalise_number(number))
        .first()
    )
    if registration is None:
        raise RegistrationError(C.REGISTRATION_NOT_FOUND)
    audit_view(actor=user, obj=registration)
    return registration


def open_programs() -> QuerySet[Program]:
    return Program.objects.filter(is_open=True).order_by("code")


def review_tasks_for(user: User) -> QuerySet[ReviewTask]:
    """Open tasks of the caseworker's organisation, and call-backs of self-service families
    that no organisation has taken yet (shown without personal data until taken)."""
    if not has_capability(user, Capability.REGISTRATION_VERIFY) or user.organisation_id is None:
        return ReviewTask.objects.none()
    return (
        ReviewTask.objects.filter(state=TaskState.OPEN)
        .filter(
            Q(registrations__organisation_id=user.organisation_id)
            | Q(kind=TaskKind.CALLBACK, registrations__organisation__isnull=True)
        )
        .distinct()
        .prefetch_related("registrations")
        .order_by("opened_at", "id")
    )
