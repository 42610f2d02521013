"""What the registrations services share: the audited object types, the actor as a user or
the family itself, the lifecycle's move as the services call it, a member's row, and the
caseworker's rights."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, TypeAlias

from asilo.web.core.access import refuse
from asilo.web.core.actors import Actor
from asilo.web.core.roles import Capability, has_capability
from asilo.web.registrations import eligibility, lifecycle
from asilo.web.registrations.errors import RegistrationError
from asilo.web.registrations.errors import RegistrationErrorCode as C
from asilo.web.registrations.models import Member, Registration, StatusChange
from asilo.web.registrations.numbers import optional_digest
from asilo.web.registrations.validation import MemberInput

if TYPE_CHECKING:
    from asilo.web.accounts.models import User

#: Who acts on a family's registration: a signed-in staff user (resolved once by the view,
#: :func:`asilo.web.core.actors.request_actor`), or ``None`` for the family itself (the
#: self-service pages and API, without an account) or the system (a command, the demo).
FamilyOrStaff: TypeAlias = Actor | None

REGISTRATION = "registrations.registration"
TASK = "registrations.reviewtask"
PROGRAM = "registrations.program"
MEMBER = "registrations.member"


def actor_or_none(actor: FamilyOrStaff) -> User | None:
    """The signed-in user, or None for the family itself (the self-service channel)."""
    if actor is None or not actor.is_authenticated:
        return None
    return actor


def record_status(
    *,
    registration: Registration,
    to_status: str,
    actor: FamilyOrStaff,
    at: datetime,
    outcome: eligibility.Outcome | None = None,
    reason_code: str = "",
    reason_params: dict[str, Any] | None = None,
    closed_reason: str = "",
    audit: bool = False,
    note: str = "",
) -> StatusChange:
    """Through the lifecycle's one service (``lifecycle.registration_status_change``). The
    move's reason is ``reason_code`` (with ``reason_params``) or, without one, the policy
    engine's answer ``outcome`` (its reason code and parameters); the outcome's rule, text and
    citation go in the history either way."""
    if not reason_code:
        if outcome is None:
            raise ValueError("a status change needs a reason code or the engine's outcome")
        reason_code, reason_params = outcome.reason_code, outcome.reason_params
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


def dob_digest(born: date | None) -> str | None:
    """The keyed digest of a date of birth (the duplicate signal looks members up by it)."""
    return optional_digest("dob", born.isoformat() if born else None)


def member_row(
    registration: Registration, position: int, member: MemberInput, *, on: date
) -> Member:
    """An unsaved row of a checked member of ``registration``, at ``position``: with the digest
    of its date of birth, and its age on ``on`` (the rules date it was checked for; the age
    given when the date of birth is unknown)."""
    return Member(
        registration=registration,
        position=position,
        given_names=member.given_names,
        surnames=member.surnames,
        date_of_birth=member.date_of_birth,
        dob_digest=dob_digest(member.date_of_birth),
        age=member.age if member.date_of_birth is None else member.age_on(on),
        sex=member.sex,
        nationality=member.nationality,
        relationship=member.relationship,
    )


def verifier_or_refuse(actor: User) -> None:
    if not has_capability(actor, Capability.REGISTRATION_VERIFY) or actor.organisation_id is None:
        refuse(actor, Capability.REGISTRATION_VERIFY, object_type=TASK)
        raise RegistrationError(C.FORBIDDEN)


def own_or_not_found(actor: User, registration: Registration) -> None:
    if registration.organisation_id != actor.organisation_id:
        raise RegistrationError(C.REGISTRATION_NOT_FOUND)
