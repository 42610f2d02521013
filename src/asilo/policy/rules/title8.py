"""Title 8 processing, and what follows a removal order: Mexico's acceptance of Title 8 returns
of CHNV nationals from 2023-05-12 (T42-28, CLP-05), not confirmed for 2025-2026 (OTH-07)."""

from __future__ import annotations

from asilo.policy.keys import TITLE8_RETURNS
from asilo.policy.rules.base import Context, Draft, reads, source_uncertain
from asilo.policy.schema import Title8ReturnsToMexico

reads(Title8ReturnsToMexico, "nationalities", "monthly_limit")


def process(draft: Draft, *, screening_only: bool) -> None:
    """Title 8: processing, or removal with protection screening only (Proclamation 10888)."""
    draft.authority, draft.destination = "title_8", None
    draft.pathway = "removal_protection_screening_only" if screening_only else "processing"


def mexico_returns(ctx: Context, draft: Draft) -> None:
    if ctx.is_child_alone:
        return
    returns = ctx.at(TITLE8_RETURNS)
    rule = returns.value
    if rule is not None and all(n in rule.nationalities for n in ctx.nationalities):
        draft.flag("mexico_accepts_title8_return")
        source_uncertain(draft, returns.entry)
        draft.explain(
            returns.entry,
            "title8.mexico_returns",
            fact="OTH-07",
            nationality=ctx.principal_nationality,
            limit=f"{rule.monthly_limit:,}",
        )
