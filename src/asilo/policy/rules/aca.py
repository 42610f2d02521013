"""Transfers to third countries to seek protection there: the Asylum Cooperative Agreement with
Guatemala (2019-2020, ACA-01..ACA-04) and the 2025 agreement with Honduras (ACA-10, ACA-11)."""

from __future__ import annotations

from asilo.policy.decision import Reason
from asilo.policy.keys import ACA_GUATEMALA, ACA_HONDURAS
from asilo.policy.rules.base import Context, Draft, reads, reason
from asilo.policy.schema import AsylumCooperativeAgreement, TransferAgreement

reads(
    AsylumCooperativeAgreement,
    "receiving_country",
    "nationalities",
    "sectors",
    "adults_only",
    "practice_default",
)
reads(TransferAgreement, "receiving_country", "kinds", "adults_only", "practice_default")


def guatemala(ctx: Context, draft: Draft) -> None:
    agreement = ctx.at(ACA_GUATEMALA)
    rule = agreement.value
    if rule is None:
        return
    if not (
        ctx.place.kind == "between_ports"
        and ctx.place.sector in rule.sectors
        and (not rule.adults_only or ctx.unit.demographic == "single_adult")
        and all(n in rule.nationalities for n in ctx.nationalities)
    ):
        return
    why = reason(
        agreement.entry,
        "aca.guatemala",
        nationality=ctx.principal_nationality,
        country=rule.receiving_country,
    )
    _offer(draft, why, rule.receiving_country, rule.practice_default)


def honduras(ctx: Context, draft: Draft) -> None:
    agreement = ctx.at(ACA_HONDURAS)
    rule = agreement.value
    if rule is None:
        return
    if not (
        ctx.place.kind in rule.kinds
        and (not rule.adults_only or ctx.unit.demographic == "single_adult")
        and rule.receiving_country not in ctx.nationalities
    ):
        return
    why = reason(
        agreement.entry, "aca.protection_agreement", fact="ACA-11", country=rule.receiving_country
    )
    _offer(draft, why, rule.receiving_country, rule.practice_default)


def _offer(draft: Draft, why: Reason, country: str, practice: str) -> None:
    draft.flag("discretionary")
    draft.reasons.append(why)
    if practice == "pathway":
        draft.pathway, draft.destination = "aca_transfer", country
        draft.option("title_8", "processing", None, why)
    else:
        draft.option("title_8", "aca_transfer", country, why)
