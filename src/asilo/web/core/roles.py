"""Roles and what each may do: least privilege, in one table (the rights vocabulary).

Views, API endpoints and services ask ``has_capability(user, Capability.X)``; nothing else
decides who may do what. A role gets only the capabilities its job needs.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from asilo.web.accounts.models import User


class Role(models.TextChoices):
    OFFICER = "officer", _("Processing officer")
    SUPERVISOR = "supervisor", _("Supervisor")
    CASEWORKER = "caseworker", _("Caseworker")
    ANALYST = "analyst", _("Analyst")
    AUDITOR = "auditor", _("Auditor")
    ADMIN = "admin", _("Administrator")


class Capability(StrEnum):
    # border processing
    ENCOUNTER_RECORD = "encounter.record"
    ENCOUNTER_VIEW = "encounter.view"
    PERSON_VIEW = "person.view"
    PERSON_EDIT = "person.edit"
    DECISION_CONFIRM = "decision.confirm"
    DECISION_OVERRIDE = "decision.override"
    OVERRIDE_REVIEW = "override.review"
    CUSTODY_MANAGE = "custody.manage"
    FAMILY_EXCEPTION_APPROVE = "family_exception.approve"
    # identity resolution: decide whether two records are the same person, run the linkage
    IDENTITY_REVIEW = "identity.review"
    IDENTITY_RUN = "identity.run"
    # registration and appointments
    REGISTRATION_CREATE = "registration.create"
    REGISTRATION_VIEW_ORGANISATION = "registration.view_organisation"
    REGISTRATION_VIEW_ALL = "registration.view_all"
    REGISTRATION_VERIFY = "registration.verify"
    REGISTRATION_REVIEW_HOLDS = "registration.review_holds"
    CAPACITY_MANAGE = "capacity.manage"
    ALLOCATION_RUN = "allocation.run"
    CHECKIN_PERFORM = "checkin.perform"
    # statistics, audit, administration
    STATS_VIEW = "stats.view"
    FORECAST_VIEW = "forecast.view"
    FAIRNESS_VIEW = "fairness.view"
    AUDIT_VIEW = "audit.view"
    USERS_MANAGE = "users.manage"
    REFERENCE_MANAGE = "reference.manage"


_OFFICER = {
    Capability.ENCOUNTER_RECORD,
    Capability.ENCOUNTER_VIEW,
    Capability.PERSON_VIEW,
    Capability.PERSON_EDIT,
    Capability.DECISION_CONFIRM,
    Capability.DECISION_OVERRIDE,
    Capability.CUSTODY_MANAGE,
    Capability.CHECKIN_PERFORM,
}

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.OFFICER: frozenset(_OFFICER),
    Role.SUPERVISOR: frozenset(
        _OFFICER
        | {
            Capability.OVERRIDE_REVIEW,
            Capability.FAMILY_EXCEPTION_APPROVE,
            Capability.IDENTITY_REVIEW,
            Capability.IDENTITY_RUN,
            Capability.CAPACITY_MANAGE,
            Capability.ALLOCATION_RUN,
            Capability.REGISTRATION_VIEW_ALL,
            Capability.REGISTRATION_REVIEW_HOLDS,
            Capability.FAIRNESS_VIEW,
            Capability.STATS_VIEW,
        }
    ),
    Role.CASEWORKER: frozenset(
        {
            Capability.REGISTRATION_CREATE,
            Capability.REGISTRATION_VIEW_ORGANISATION,
            Capability.REGISTRATION_VERIFY,
        }
    ),
    Role.ANALYST: frozenset(
        {Capability.STATS_VIEW, Capability.FAIRNESS_VIEW, Capability.FORECAST_VIEW}
    ),
    Role.AUDITOR: frozenset(
        {
            Capability.AUDIT_VIEW,
            Capability.ENCOUNTER_VIEW,
            Capability.PERSON_VIEW,
            Capability.REGISTRATION_VIEW_ALL,
            Capability.STATS_VIEW,
            Capability.FAIRNESS_VIEW,
        }
    ),
    Role.ADMIN: frozenset({Capability.USERS_MANAGE, Capability.REFERENCE_MANAGE}),
}

# Roles whose reads of a person's record are themselves audited (all reads are; the auditor's
# are also flagged so that oversight of the overseers is possible).
READ_ONLY_ROLES = frozenset({Role.AUDITOR, Role.ANALYST})


def capabilities_of(user: User | AnonymousUser | None) -> frozenset[Capability]:
    """What this user may do: nothing for anonymous or inactive users."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    return ROLE_CAPABILITIES.get(getattr(user, "role", ""), frozenset())


def has_capability(user: User | AnonymousUser | None, capability: Capability) -> bool:
    return capability in capabilities_of(user)
