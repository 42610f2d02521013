"""The CHNV parole processes: an irregular crossing between ports after a notice's date makes a
person ineligible (CHNV-01, CHNV-02); the processes ended on 2025-03-25 (CHNV-05, CHNV-06)."""

from __future__ import annotations

from asilo.policy.keys import CHNV_PAROLE
from asilo.policy.rules.base import Context, Draft, reads
from asilo.policy.schema import ChnvParole

reads(ChnvParole, "irregular_entry_after")


def chnv(ctx: Context, draft: Draft) -> None:
    if ctx.is_child_alone:
        return
    parole = ctx.at(CHNV_PAROLE)
    rule = parole.value
    nationality = ctx.principal_nationality
    if (
        rule is not None
        and nationality in rule.irregular_entry_after
        and ctx.place.kind == "between_ports"
    ):
        draft.flag("chnv_parole_ineligible")
        draft.explain(
            parole.entry,
            "parole.chnv_ineligible",
            after=str(rule.irregular_entry_after[nationality]),
            nationality=nationality,
        )
