"""Bars and limits on asylum for people who crossed between ports: the 2019 third-country
transit bar (ACA-04), the 2023 Circumvention of Lawful Pathways rule (CLP-01..CLP-05, CLP-07) and
the 2024 Securing the Border limitation (CLP-06, CLP-08, CLP-09), with their shared exceptions
and rebuttal grounds, and the 2024 rule's manifestation-of-fear requirement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from asilo.policy.catalogue import InForce
from asilo.policy.keys import LAWFUL_PATHWAYS, SECURING_THE_BORDER, TRANSIT_BAR, Key
from asilo.policy.messages import Msg
from asilo.policy.rules.base import Context, Draft, reads
from asilo.policy.rules.cbp_one import appointment_at_port
from asilo.policy.schema import AsylumLimitation, TransitBar

reads(TransitBar, "not_transiting_nationalities")
reads(
    AsylumLimitation,
    "not_transiting_nationalities",
    "unaccompanied_children_excepted",
    "cbp_one_appointment_excepts",
    "rebuttal_grounds",
    "fear_must_be_manifested",
)


def transit_bar(ctx: Context, draft: Draft) -> None:
    bar = ctx.at(TRANSIT_BAR)
    rule = bar.value
    if rule is None or all(n in rule.not_transiting_nationalities for n in ctx.nationalities):
        return
    if ctx.encounter.asylum_denied_in_transit_country:
        draft.explain(bar.entry, "asylum.transit_bar_exception")
        return
    draft.flag("third_country_transit_bar")
    draft.explain(bar.entry, "asylum.transit_bar")


Finding = Literal["not_covered", "exception", "presumption"]


@dataclass(frozen=True)
class LimitationFinding:
    """What the 2023 rule (or the 2024 limitation) finds for a unit; ``finding`` is ``None``
    when the rule is not in force. ``ground`` is the exception's reason code."""

    entry: InForce
    finding: Finding | None
    ground: str = ""
    grounds: str = ""

    def ground_message(self) -> Msg:
        """The finding's ground as a message, to place inside another reason."""
        return Msg(self.ground, (("grounds", self.grounds),))


def findings(ctx: Context, key: Key[AsylumLimitation]) -> LimitationFinding:
    """The 2023 rule's (or the 2024 limitation's) finding for the unit."""
    limitation = ctx.at(key)
    rule = limitation.value
    entry = limitation.entry
    if rule is None:
        return LimitationFinding(entry, None)
    enc = ctx.encounter
    if ctx.nationalities and all(n in rule.not_transiting_nationalities for n in ctx.nationalities):
        return LimitationFinding(entry, "not_covered", "asylum.ground_no_transit")
    if ctx.is_child_alone and rule.unaccompanied_children_excepted:
        return LimitationFinding(entry, "exception", "asylum.ground_children")
    if rule.cbp_one_appointment_excepts and appointment_at_port(ctx):
        return LimitationFinding(entry, "exception", "asylum.ground_cbp_one")
    trafficking = any("trafficking_victim" in p.vulnerabilities for p in ctx.people)
    if key is SECURING_THE_BORDER and trafficking:
        return LimitationFinding(entry, "exception", "asylum.ground_trafficking")
    if key is LAWFUL_PATHWAYS:
        if enc.used_lawful_process:
            return LimitationFinding(entry, "exception", "asylum.ground_lawful_process")
        if enc.cbp_one_unavailable_shown and ctx.place.kind == "port_of_entry":
            return LimitationFinding(entry, "exception", "asylum.ground_cbp_one_unavailable")
        if enc.asylum_denied_in_transit_country:
            return LimitationFinding(entry, "exception", "asylum.ground_denied_in_transit")
    grounds = sorted(
        {v for p in ctx.travelling_family() for v in p.vulnerabilities} & set(rule.rebuttal_grounds)
    )
    if grounds:
        return LimitationFinding(entry, "exception", "asylum.ground_compelling", ", ".join(grounds))
    return LimitationFinding(entry, "presumption")


def lawful_pathways(ctx: Context, draft: Draft) -> None:
    _limitation(ctx, draft, LAWFUL_PATHWAYS, "lawful_pathways")


def securing_the_border(ctx: Context, draft: Draft) -> None:
    _limitation(ctx, draft, SECURING_THE_BORDER, "border_limitation")


def _limitation(ctx: Context, draft: Draft, key: Key[AsylumLimitation], rule_name: str) -> None:
    found = findings(ctx, key)
    rule = ctx.at(key).value
    if rule is None or found.finding is None:
        return
    if found.finding == "not_covered":
        draft.explain(found.entry, f"asylum.{rule_name}.not_covered", ground=found.ground_message())
        return
    if found.finding == "exception":
        draft.flag(f"{rule_name}_exception")
        draft.explain(found.entry, f"asylum.{rule_name}.exception", ground=found.ground_message())
    else:
        draft.flag("lawful_pathways_presumption" if key is LAWFUL_PATHWAYS else rule_name)
        draft.explain(found.entry, f"asylum.{rule_name}.presumption")
    if rule.fear_must_be_manifested and not ctx.is_child_alone:
        _manifestation(ctx, draft, found.entry)


def _manifestation(ctx: Context, draft: Draft, entry: InForce) -> None:
    if ctx.encounter.manifests_fear:
        draft.flag("credible_fear_referral")
        draft.explain(entry, "asylum.fear_manifested")
    else:
        draft.flag("no_fear_manifested")
        draft.explain(entry, "asylum.no_fear_manifested")
