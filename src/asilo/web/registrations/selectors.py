"""Reads of registrations, always through the reader's rights.

A caseworker sees their organisation's registrations; a supervisor or an auditor sees all;
anyone else sees none. A registration outside one's rights is "not found", never "forbidden",
so its existence is not revealed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from asilo.web.audit.services import audit_view
from asilo.web.core.access import refuse
from asilo.web.core.roles import Capability, has_capability
from asilo.web.registrations import eligibility, hooks
from asilo.web.registrations.errors import RegistrationError
from asilo.web.registrations.errors import RegistrationErrorCode as C
from asilo.web.registrations.fraud import HOLDING_KINDS
from asilo.web.registrations.models import (
    Channel,
    Program,
    Registration,
    ReviewTask,
    Status,
    StatusChange,
    TaskKind,
    TaskState,
)
from asilo.web.registrations.numbers import normalise_number
from asilo.web.registrations.reasons import reason_text, status_label

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


def _filter_value(value: str | None, known: Iterable[str], field: str) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if value not in set(known):
        raise RegistrationError(C.FILTER_INVALID, field, value=value)
    return value


def _filter_day(value: str | None, field: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise RegistrationError(C.DATE_INVALID, field) from exc


def registration_list(
    *,
    user: User | AnonymousUser | None,
    status: str | None = None,
    program: str | None = None,
    channel: str | None = None,
    organisation: str | int | None = None,
    port: str | None = None,
    registered_from: str | None = None,
    registered_to: str | None = None,
) -> QuerySet[Registration]:
    """The registrations the reader may see, newest first, filtered by status (the
    lifecycle's codes), program, channel, organisation (id), port (of an appointment or a
    preference) and day of registration. An unknown filter value is refused, never ignored."""
    if not may_read_registrations(user):
        refuse(
            user,
            "registration.view",
            object_type="registrations.registration",
            note="registration list",
        )
        raise RegistrationError(C.FORBIDDEN)
    rows = registrations_visible_to(user).order_by("-registered_on", "-id")
    if chosen := _filter_value(status, Status.values, "status"):
        rows = rows.filter(status=chosen)
    if chosen := _filter_value(program, Program.objects.values_list("code", flat=True), "program"):
        rows = rows.filter(program__code=chosen)
    if chosen := _filter_value(channel, Channel.values, "channel"):
        rows = rows.filter(channel=chosen)
    if organisation not in (None, ""):
        try:
            rows = rows.filter(organisation_id=int(str(organisation)))
        except ValueError as exc:
            raise RegistrationError(
                C.FILTER_INVALID, "organisation", value=str(organisation)
            ) from exc
    if chosen := _filter_value(port, all_ports(), "port"):
        by_preference = Q(preferred_ports__icontains=f'"{chosen}"')
        rows = rows.filter(by_preference | hooks.appointments().at_port(chosen)).distinct()
    if day := _filter_day(registered_from, "registered_from"):
        rows = rows.filter(registered_on__gte=_start_of(day))
    if day := _filter_day(registered_to, "registered_to"):
        rows = rows.filter(registered_on__lt=_start_of(day + timedelta(days=1)))
    return rows


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(0)))


def all_ports() -> list[str]:
    """Every port of every program, in the programs' order, once."""
    seen: dict[str, None] = {}
    for ports in Program.objects.order_by("code").values_list("ports", flat=True):
        for port in ports or []:
            seen.setdefault(port, None)
    return list(seen)


def status_counts(user: User | AnonymousUser | None) -> list[tuple[str, str, int]]:
    """(status code, label, how many) of the registrations the reader may see, in the
    lifecycle's order; the dashboard links each count to the filtered list."""
    if not may_read_registrations(user):
        return []
    counts = dict(
        registrations_visible_to(user)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return [(s.value, str(s.label), counts.get(s.value, 0)) for s in Status]


def registration_get(*, user: User | AnonymousUser | None, number: str) -> Registration:
    """One registration with its members and history; the read is audited."""
    if not may_read_registrations(user):
        refuse(
            user,
            "registration.view",
            object_type="registrations.registration",
            object_id=number[:12],
        )
        raise RegistrationError(C.FORBIDDEN)
    registration = (
        registrations_visible_to(user)
        .prefetch_related("members", "status_changes", "review_tasks")
        .filter(number=normalise_number(number))
        .first()
    )
    if registration is None:
        if Registration.objects.filter(number=normalise_number(number)).exists():
            # Another organisation's family: refused (audited) but answered as "not found".
            refuse(
                user,
                "registration.view",
                object_type="registrations.registration",
                object_id=normalise_number(number),
                note="another organisation's registration",
            )
        raise RegistrationError(C.REGISTRATION_NOT_FOUND)
    audit_view(actor=user, obj=registration)
    return registration


def open_programs() -> QuerySet[Program]:
    return Program.objects.filter(is_open=True).order_by("code")


def review_tasks_for(
    user: User,
    *,
    kind: str | None = None,
    state: str = TaskState.OPEN,
    family: str | None = None,
) -> QuerySet[ReviewTask]:
    """Tasks of the caseworker's organisation (open ones unless ``state`` says otherwise); a
    supervisor's: what holds families out of allocation and the call-backs of self-service
    families no organisation has yet (to assign them); by kind and by a family's number."""
    if has_capability(user, Capability.REGISTRATION_REVIEW_HOLDS):
        # A supervisor reviews what a fraud signal holds out of allocation, for every
        # organisation and the self-service channel (registrations.fraud.HOLDING_KINDS).
        # And the call-backs of self-service families nobody has yet, to assign them
        # (registrations.assignment): a caseworker never takes one.
        held = ReviewTask.objects.filter(state=state).filter(
            Q(kind__in=HOLDING_KINDS)
            | Q(kind=TaskKind.CALLBACK, registrations__organisation__isnull=True)
        )
        if kind:
            held = held.filter(kind=kind)
        if family:
            held = held.filter(registrations__number=normalise_number(family))
        return held.distinct().prefetch_related("registrations").order_by("opened_at", "id")
    if not has_capability(user, Capability.REGISTRATION_VERIFY) or user.organisation_id is None:
        return ReviewTask.objects.none()
    rows = ReviewTask.objects.filter(state=state)
    if kind:
        rows = rows.filter(kind=kind)
    if family:
        rows = rows.filter(registrations__number=normalise_number(family))
    return (
        rows.filter(registrations__organisation_id=user.organisation_id)
        .distinct()
        .prefetch_related("registrations")
        .order_by("opened_at", "id")
    )


def status_history(registration: Registration) -> list[dict[str, Any]]:
    """The registration's history as every page and the API show it: codes and words."""
    return [
        {
            "at": change.at,
            "from_status": change.from_status,
            "to_status": change.to_status,
            "closed_reason": change.closed_reason,
            "status": status_label(change.to_status, change.closed_reason, change.reason_code),
            "reason_code": change.reason_code,
            "reason": reason_text(change.reason_code, change.reason_params),
            "citation_title": change.citation_title,
            "citation_url": change.citation_url,
            "rule": change.rule,
        }
        for change in registration.status_changes.order_by("at", "id")
    ]


def status_labels(registrations: Iterable[Registration]) -> dict[int, str]:
    """Each registration's status in words (:func:`registration_status_label`), for a list:
    one query for those that need verification, none for the others."""
    rows = list(registrations)
    pending = [r.pk for r in rows if r.status == Status.NEEDS_VERIFICATION]
    last_reason: dict[int, str] = {}
    if pending:
        for registration_id, reason_code in (
            StatusChange.objects.filter(registration_id__in=pending)
            .order_by("registration_id", "-at", "-id")
            .values_list("registration_id", "reason_code")
        ):
            last_reason.setdefault(registration_id, reason_code)
    return {r.pk: status_label(r.status, r.closed_reason, last_reason.get(r.pk, "")) for r in rows}


def registration_status_label(registration: Registration) -> str:
    """The status in words as every page and the API show it: a family that still has to
    type back its contact code reads so, not "needs verification by a caseworker"."""
    return status_labels([registration])[registration.pk]


def status_view(registration: Registration) -> dict[str, Any]:
    """The registration's status as the family's page, the staff pages and the API show it:
    the lifecycle's code, its words in the reader's language, the reason for closing, the
    history, and the current appointment (from the appointments app) when there is one."""
    history = status_history(registration)
    return {
        "code": registration.status,
        "closed_reason": registration.closed_reason,
        "label": registration_status_label(registration),
        "history": history,
        "last": history[-1] if history else None,
        "appointment": current_appointment_of(registration),
    }


def current_appointment_of(registration: Registration) -> dict[str, Any] | None:
    """The family's offered (or used) appointment (from the appointments app, through
    ``registrations.hooks``)."""
    appointment = hooks.appointments().current_appointment(registration)
    return None if appointment is None else asdict(appointment)


def expected_days(registration: Registration) -> dict[str, Any] | None:
    """For a family still waiting: the range of days of its appointment, estimated by the
    appointments app from the queue ahead and the capacities (through ``registrations.hooks``)."""
    window = hooks.appointments().expected_days(registration)
    return None if window is None else asdict(window)


def program_receiving(program: Program, on: date | None = None) -> bool:
    """Does the program's rule receive anyone on its rules date (today, or its replay date)?
    Asked of the policy engine with a probe family (one adult with an active MPP case, the
    case that every phase of either rule admits), never re-encoded here."""
    day = program.rules_as_of or on or timezone.localdate()
    probe = eligibility.Family(ages=(30,), nationalities=("HND",), mpp_case_status="active")
    return eligibility.evaluate(
        rule=program.rule, ports=program.ports, family=probe, on=day
    ).eligible


def start_choices(programs: Iterable[Program]) -> tuple[list[Program], str, set[str]]:
    """The programs on the start page, the one pre-selected (only when exactly one receives
    anyone today; never a closed one) and the codes of those not receiving anyone."""
    listed = list(programs)
    closed = {p.code for p in listed if not program_receiving(p)}
    receiving = [p.code for p in listed if p.code not in closed]
    return listed, receiving[0] if len(receiving) == 1 else "", closed
