"""The Migrant Protection Protocols: MPP 1.0 (2019-2021) and the court-ordered MPP 2.0
(2021-2022), enrolment at the officer's discretion (MPP-01..MPP-24), and the 2025 order to
resume them, announced but never shown to operate (MPP25-01..05)."""

from __future__ import annotations

from asilo.policy.keys import MPP_ENROLMENT, MPP_RESUMPTION
from asilo.policy.messages import Msg
from asilo.policy.rules.base import MEXICO, Context, Draft, reads, reason, reason_of
from asilo.policy.schema import MppProgramme, MppResumption

reads(
    MppProgramme,
    "programme",
    "nationalities",
    "sectors",
    "return_ports",
    "excluded_vulnerabilities",
    "practice_default",
    "title42_precedence",
)
reads(MppResumption, "status", "instrument")


def amenability(ctx: Context) -> Msg | None:
    """Why MPP could not apply to the unit (``None``: it is amenable)."""
    rule = ctx.at(MPP_ENROLMENT).value
    if rule is None:
        return Msg("mpp.not_in_force")
    if ctx.is_child_alone:
        return Msg("mpp.not_children")
    if MEXICO in ctx.nationalities:
        return Msg("mpp.not_mexicans")
    if ctx.place.sector not in rule.sectors:
        return Msg("mpp.not_in_area", (("programme", rule.programme), ("sector", ctx.place.sector)))
    if not all(n in rule.nationalities for n in ctx.nationalities):
        return Msg("mpp.not_these_nationalities", (("programme", rule.programme),))
    excluded = sorted(
        {v for p in ctx.people for v in p.vulnerabilities} & set(rule.excluded_vulnerabilities)
    )
    if excluded:
        return Msg("mpp.excluded", (("excluded", ", ".join(excluded)),))
    if ctx.encounter.fear_of_return_to_mexico_established:
        return Msg("mpp.fear_of_mexico")
    return None


def apply(ctx: Context, draft: Draft) -> None:
    """Title 8 processing: MPP enrolment as an option (or the default, if so encoded)."""
    enrolment = ctx.at(MPP_ENROLMENT)
    rule = enrolment.value
    if rule is None:
        return
    refused = amenability(ctx)
    if refused is not None:
        draft.reasons.append(reason_of(enrolment.entry, refused, fact="MPP-04"))
        return
    why = reason(
        enrolment.entry,
        "mpp.amenable",
        fact="MPP-03" if rule.programme == "MPP 1.0" else "MPP-22",
        programme=rule.programme,
        ports=", ".join(rule.return_ports),
    )
    draft.discretionary(why, "mpp_return", MEXICO, rule.practice_default)


def under_title42(ctx: Context, draft: Draft) -> None:
    """Title 42 took the unit: MPP applies only if the catalogue says Title 42 does not take
    precedence (``title42_precedence: false``, MPP-22), as an option beside the expulsion."""
    enrolment = ctx.at(MPP_ENROLMENT)
    rule = enrolment.value
    if rule is None or rule.title42_precedence or amenability(ctx) is not None:
        return
    why = reason(
        enrolment.entry,
        "mpp.beside_title42",
        programme=rule.programme,
        ports=", ".join(rule.return_ports),
    )
    draft.flag("discretionary")
    draft.option("title_8", "mpp_return", MEXICO, why)


def resumption(ctx: Context, draft: Draft) -> None:
    """The 2025 order to resume MPP: announced, not operational; no MPP return is offered."""
    resumed = ctx.at(MPP_RESUMPTION)
    rule = resumed.value
    if rule is None or MEXICO in ctx.nationalities:
        return
    if rule.status == "announced_not_operational":
        draft.flag("mpp_announced_not_operational")
        draft.explain(
            resumed.entry,
            "mpp.announced_not_operational",
            fact="MPP25-03",
            instrument=rule.instrument,
        )
