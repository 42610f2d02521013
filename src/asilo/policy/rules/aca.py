"""Transfers to third countries to seek protection there: the Asylum Cooperative Agreement with
Guatemala (2019-2020, ACA-01..ACA-04) and the 2025 agreement with Honduras (ACA-10, ACA-11)."""

from __future__ import annotations

from typing import TypeVar

from asilo.policy.catalogue import InForce
from asilo.policy.keys import ACA_GUATEMALA, ACA_HONDURAS, Key
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


A = TypeVar("A", AsylumCooperativeAgreement, TransferAgreement)


def _agreement(ctx: Context, key: Key[A]) -> tuple[InForce, A] | None:
    """The agreement ``key`` when it is in force and takes the unit (an agreement for adults
    only takes single adults); ``None`` otherwise."""
    agreement = ctx.at(key)
    rule = agreement.value
    if rule is None or (rule.adults_only and ctx.unit.demographic != "single_adult"):
        return None
    return agreement.entry, rule


def guatemala(ctx: Context, draft: Draft) -> None:
    found = _agreement(ctx, ACA_GUATEMALA)
    if found is None:
        return
    entry, rule = found
    if not (
        ctx.place.kind == "between_ports"
        and ctx.place.sector in rule.sectors
        and all(n in rule.nationalities for n in ctx.nationalities)
    ):
        return
    why = reason(
        entry,
        "aca.guatemala",
        nationality=ctx.principal_nationality,
        country=rule.receiving_country,
    )
    draft.discretionary(why, "aca_transfer", rule.receiving_country, rule.practice_default)


def honduras(ctx: Context, draft: Draft) -> None:
    found = _agreement(ctx, ACA_HONDURAS)
    if found is None:
        return
    entry, rule = found
    if ctx.place.kind not in rule.kinds or rule.receiving_country in ctx.nationalities:
        return
    why = reason(entry, "aca.protection_agreement", fact="ACA-11", country=rule.receiving_country)
    draft.discretionary(why, "aca_transfer", rule.receiving_country, rule.practice_default)
