"""The TVPRA: an unaccompanied child is reported to HHS within 48 hours and transferred to ORR
within 72; children from contiguous countries are screened first (UC-01..UC-03, UC-20)."""

from __future__ import annotations

from asilo.policy.keys import TVPRA
from asilo.policy.rules.base import Context, Draft, reads
from asilo.policy.schema import Tvpra

reads(Tvpra, "transfer_hours", "notify_hours", "contiguous_countries")


def apply(ctx: Context, draft: Draft) -> None:
    tvpra = ctx.at(TVPRA)
    rule = tvpra.value
    if rule is None:
        return
    draft.custody_limit_hours = rule.transfer_hours
    nationality = ctx.principal_nationality
    if nationality in rule.contiguous_countries:
        draft.pathway = "tvpra_contiguous_screening"
        draft.explain(
            tvpra.entry,
            "tvpra.contiguous_screening",
            fact="UC-03",
            nationality=nationality,
            hours=rule.transfer_hours,
        )
        return
    draft.pathway = "orr_transfer"
    draft.explain(
        tvpra.entry,
        "tvpra.orr_transfer",
        fact="UC-02",
        notify=rule.notify_hours,
        hours=rule.transfer_hours,
    )
