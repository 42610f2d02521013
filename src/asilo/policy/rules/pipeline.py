"""The order of precedence: how the rules of each policy family compose into a decision.

For each unit of the encounter (see :mod:`~asilo.policy.rules.units`):

1. the custody standard and the unit's demographic category;
2. Title 42: it may expel the unit (or, in 2026, suspend its entry) and then nothing below
   applies, except MPP where Title 42 does not take precedence;
3. Proclamation 10888 between ports: summary repatriation ends the decision; from 2025-08-01
   it turns Title 8 processing into removal with protection screening only;
4. Title 8: an unaccompanied child goes the TVPRA's way; anyone else may be offered MPP or a
   transfer to a third country; then the asylum bars and limits, and Title 8 returns to Mexico;
5. CHNV parole eligibility, for everyone but unaccompanied children.
"""

from __future__ import annotations

from asilo.policy.rules import (
    aca,
    asylum,
    custody,
    mpp,
    parole,
    proclamations,
    title8,
    title42,
    tvpra,
)
from asilo.policy.rules.base import Context, Draft


def decide_unit(ctx: Context, draft: Draft) -> None:
    """Run the rules for one unit, in the order of precedence."""
    custody.standard(ctx, draft)
    if title42.apply(ctx, draft):
        mpp.under_title42(ctx, draft)
    else:
        procedure = proclamations.apply(ctx, draft)
        if procedure != "summary_repatriation":
            title8.process(draft, screening_only=procedure == "protection_screening_only")
            if ctx.is_child_alone:
                tvpra.apply(ctx, draft)
            else:
                mpp.apply(ctx, draft)
                mpp.resumption(ctx, draft)
                aca.guatemala(ctx, draft)
                aca.honduras(ctx, draft)
            asylum.transit_bar(ctx, draft)
            asylum.lawful_pathways(ctx, draft)
            asylum.securing_the_border(ctx, draft)
            title8.mexico_returns(ctx, draft)
    parole.chnv(ctx, draft)
