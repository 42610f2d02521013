"""Custody: the TEDS standard for everyone in CBP custody (CUS-01); the TVPRA's statutory limit
for unaccompanied children is in :mod:`asilo.policy.rules.tvpra`."""

from __future__ import annotations

from asilo.policy.keys import CUSTODY_STANDARD
from asilo.policy.rules.base import Context, Draft, reads
from asilo.policy.schema import CustodyStandard

reads(CustodyStandard, "hours")


def standard(ctx: Context, draft: Draft) -> None:
    rule = ctx.at(CUSTODY_STANDARD).value
    draft.custody_standard_hours = None if rule is None else rule.hours
