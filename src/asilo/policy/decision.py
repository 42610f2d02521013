"""The decision: what happens at an encounter, and why. ``model_dump(mode="json")`` is the
JSON contract of ``asilo decide --format json``."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Authority = Literal["title_42", "title_8", "proclamation_212f"]
Pathway = Literal[
    "expulsion",
    "mpp_return",
    "orr_transfer",
    "tvpra_contiguous_screening",
    "aca_transfer",
    "processing",
    "summary_repatriation",
    "removal_protection_screening_only",
    "entry_suspended_public_health",
]
Demographic = Literal["single_adult", "family_unit", "unaccompanied_child", "accompanied_minor"]

AUTHORITIES: tuple[Authority, ...] = Authority.__args__  # type: ignore[attr-defined]
PATHWAYS: tuple[Pathway, ...] = Pathway.__args__  # type: ignore[attr-defined]
DEMOGRAPHICS: tuple[Demographic, ...] = Demographic.__args__  # type: ignore[attr-defined]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReasonCitation(_Frozen):
    title: str
    url: str
    section: str
    fact: str


class Reason(_Frozen):
    """One rule that fired: the catalogue id, the stable reason code, the explanation in English
    and Spanish (and Haitian Creole for reasons a family can see), the source."""

    rule: str
    code: str = ""
    text: str
    text_es: str
    text_ht: str | None = None
    citation: ReasonCitation


class Option(_Frozen):
    """A pathway the law left open to the officer, with the reason it is lawful."""

    authority: Authority
    pathway: Pathway
    destination: str | None
    reason: Reason


class Outcome(_Frozen):
    authority: Authority
    pathway: Pathway
    destination: str | None
    demographic: Demographic
    custody_limit_hours: int | None
    #: the agency standard for anyone in CBP custody (TEDS 1.8, 72 hours), to report against;
    #: ``custody_limit_hours`` is the statutory limit (unaccompanied children only).
    custody_standard_hours: int | None = None
    flags: tuple[str, ...]
    options: tuple[Option, ...]
    reasons: tuple[Reason, ...]


class MemberOutcome(Outcome):
    """The outcome of one person of a group that is not one family unit in law."""

    person: int
    unit: int


class Decision(Outcome):
    """The outcome of an encounter. ``members`` is empty when the group shares one outcome."""

    members: tuple[MemberOutcome, ...] = ()
    catalogue_version: str
    scenario: str | None = None
    catalogue_verified_through: date | None = Field(
        default=None,
        description="The last day the policy catalogue's sources cover; a decision for a later"
        " day has the flag after_verified_coverage: its rules were not verified after this date.",
    )
