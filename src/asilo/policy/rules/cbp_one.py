"""CBP One appointments at ports: Title 42 exceptions from 2023-01-18, then the 2023 rule's
exception, until the function was shut off on 2025-01-20 (C1-01..C1-21)."""

from __future__ import annotations

from asilo.policy.keys import CBP_ONE
from asilo.policy.rules.base import Context, Draft, reads
from asilo.policy.schema import CbpOne

reads(CbpOne, "ports_of_entry", "purpose")


def appointment_excepts_title42(ctx: Context, draft: Draft) -> bool:
    """An appointment for a Title 42 exception at one of the ports: processed under Title 8."""
    cbp_one = ctx.at(CBP_ONE)
    rule = cbp_one.value
    if (
        rule is not None
        and rule.purpose == "title42_exception"
        and ctx.at_port(rule.ports_of_entry)
    ):
        draft.flag("title42_exception")
        draft.explain(cbp_one.entry, "cbp_one.title42_exception", place=ctx.place.name)
        return True
    draft.explain(
        ctx.cited(CBP_ONE),
        "cbp_one.no_effect",
        place=ctx.place.name,
        kind=ctx.place.kind.replace("_", " "),
    )
    return False


def appointment_at_port(ctx: Context) -> bool:
    """Whether the unit presented at a port at a time scheduled through CBP One."""
    rule = ctx.at(CBP_ONE).value
    return (
        ctx.encounter.cbp_one_appointment and rule is not None and ctx.at_port(rule.ports_of_entry)
    )
