"""Eligibility of a registered family for a program, asked of the policy engine.

The rules live in the policy catalogue (``asilo.policy``); this module only turns a
registration into the engine's input and its answer into a reason the person can read in
their language. The 2021 MPP wind-down is the engine's :func:`asilo.policy.mpp_wind_down`;
the 2023 port appointment process (open to every nationality) is eligible while the
catalogue's ``cbp_one/appointments`` document is in force on the date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from asilo.policy import Catalogue, load_catalogue, mpp_wind_down
from asilo.policy.catalogue import InForce
from asilo.policy.encounter import Encounter, MppCase, PlaceRef
from asilo.policy.encounter import Person as PolicyPerson
from asilo.web.registrations.models import EligibilityRule

if TYPE_CHECKING:
    from asilo.web.registrations.models import Member, Program, Registration

#: Any port of the program stands for the place: the rules read the date and the case only.
_DEFAULT_PORT = "San Ysidro"


@dataclass(frozen=True)
class Family:
    """What eligibility reads of a registration: ages, nationalities and the MPP case."""

    ages: tuple[int, ...]
    nationalities: tuple[str, ...]
    mpp_case_status: str = ""


@dataclass(frozen=True)
class Outcome:
    eligible: bool
    reason_code: str
    reason_params: dict[str, Any] = field(default_factory=dict)
    rule: str = ""
    policy_text: str = ""
    citation_title: str = ""
    citation_url: str = ""
    catalogue_version: str = ""


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    return load_catalogue()


def _citation(entry: InForce, cat: Catalogue) -> tuple[str, str]:
    period = entry.period if entry.period is not None else None
    if period is None:
        first = cat.first_entry(entry.name)
        period = first.period
    if period is None or not period.citations:
        return "", ""
    citation = period.citations[0]
    return citation.title, str(citation.url)


def _mpp(family: Family, on: date, ports: Sequence[str], cat: Catalogue) -> Outcome:
    encounter = Encounter(
        date=on,
        place=PlaceRef(kind="port_of_entry", name=ports[0] if ports else _DEFAULT_PORT),
        people=tuple(
            PolicyPerson(age=min(age, 130), nationality=nationality)
            for age, nationality in zip(family.ages, family.nationalities, strict=True)
        ),
        mpp_case=MppCase(status=family.mpp_case_status) if family.mpp_case_status else None,  # type: ignore[arg-type]
    )
    answer = mpp_wind_down(encounter, catalogue=cat)
    reason = answer.reasons[0]
    entry = cat.state_at(on).get(EligibilityRule.MPP_WIND_DOWN)
    params: dict[str, Any] = {"date": on.isoformat(), "status": family.mpp_case_status}
    if answer.eligible:
        code = "mpp_eligible"
    elif entry.value is None:
        code = "mpp_not_processing"
    elif not family.mpp_case_status:
        code = "mpp_no_case"
    else:
        code = "mpp_status_not_eligible"
    return Outcome(
        eligible=answer.eligible,
        reason_code=code,
        reason_params=params,
        rule=reason.rule,
        policy_text=reason.text,
        citation_title=reason.citation.title,
        citation_url=reason.citation.url,
        catalogue_version=cat.version,
    )


def _port_appointments(on: date, cat: Catalogue) -> Outcome:
    entry = cat.state_at(on).get(EligibilityRule.PORT_APPOINTMENTS)
    title, url = _citation(entry, cat)
    eligible = entry.value is not None
    return Outcome(
        eligible=eligible,
        reason_code="appointments_open" if eligible else "appointments_not_open",
        reason_params={"date": on.isoformat()},
        rule=entry.name,
        policy_text=(
            f"The port appointment process was in force on {on}, for every nationality."
            if eligible
            else f"The port appointment process was not in force on {on}."
        ),
        citation_title=title,
        citation_url=url,
        catalogue_version=cat.version,
    )


def evaluate(*, rule: str, ports: Sequence[str], family: Family, on: date) -> Outcome:
    """Is this family eligible for a program with ``rule`` on ``on``, and why."""
    return _evaluate(rule, tuple(ports), family, on)


@lru_cache(maxsize=4096)
def _evaluate(rule: str, ports: tuple[str, ...], family: Family, on: date) -> Outcome:
    """Answers are pure functions of their inputs and the catalogue: cached."""
    cat = catalogue()
    if not cat.covers_date(on):
        first, last = cat.covers
        return Outcome(
            eligible=False,
            reason_code="date_not_covered",
            reason_params={"date": on.isoformat(), "first": str(first), "last": str(last)},
            rule=rule,
            catalogue_version=cat.version,
        )
    if rule == EligibilityRule.MPP_WIND_DOWN:
        return _mpp(family, on, ports, cat)
    if rule == EligibilityRule.PORT_APPOINTMENTS:
        return _port_appointments(on, cat)
    raise ValueError(f"unknown eligibility rule {rule!r}")


# --- a registration as the engine sees it ------------------------------------------------------


def member_age_on(member: Member, on: date, registered_on: date) -> int:
    """A member's age on ``on``: from the date of birth, else the age given at registration
    plus the whole years since."""
    if member.date_of_birth is not None:
        born = member.date_of_birth
        return int(on.year - born.year - ((on.month, on.day) < (born.month, born.day)))
    return (member.age or 0) + max(0, (on - registered_on).days // 365)


def family_of(registration: Registration, members: list[Member], on: date) -> Family:
    """The engine's input for a stored family on ``on``."""
    registered_on = timezone.localdate(registration.registered_on)
    return Family(
        ages=tuple(member_age_on(m, on, registered_on) for m in members),
        nationalities=tuple(m.nationality for m in members),
        mpp_case_status=registration.mpp_case_status,
    )


def rules_date(program: Program, now: datetime) -> date:
    """The date whose rules decide eligibility: the program's replay date, else today."""
    return program.rules_as_of or timezone.localdate(now)


def rules_unverified_after(program: Program, now: datetime | None = None) -> date | None:
    """The policy catalogue's ``verified_through`` date when the program's rules date is later
    (its rules were then not verified: the family's page says so), else ``None``."""
    verified = load_catalogue().verified_through
    return verified if rules_date(program, now or timezone.now()) > verified else None
