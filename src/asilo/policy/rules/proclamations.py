"""Proclamation 10888 (INA 212(f), 215(a)): entry suspended between ports and asylum barred;
summary repatriation until the D.C. Circuit's partial stay of 2025-08-01, then Title 8 removal
with withholding and CAT screening only (PROC-01..PROC-09)."""

from __future__ import annotations

from typing import Literal

from asilo.policy.keys import PROCLAMATION_10888
from asilo.policy.rules.base import Context, Draft, reads
from asilo.policy.schema import EntryProclamation

reads(
    EntryProclamation,
    "instrument",
    "kinds",
    "procedure",
    "unaccompanied_children_covered",
    "litigation_status_uncertain",
)

Procedure = Literal["summary_repatriation", "protection_screening_only"]


def apply(ctx: Context, draft: Draft) -> Procedure | None:
    """The procedure the proclamation imposes on the unit (``None``: it does not reach it)."""
    proclamation = ctx.at(PROCLAMATION_10888)
    rule = proclamation.value
    if rule is None:
        return None
    entry = proclamation.entry
    if ctx.place.kind not in rule.kinds:
        draft.explain(
            entry, "proclamation.not_at_ports", fact="PROC-01", instrument=rule.instrument
        )
        return None
    if ctx.is_child_alone and not rule.unaccompanied_children_covered:
        draft.explain(
            entry, "proclamation.not_for_children", fact="PROC-01", instrument=rule.instrument
        )
        return None
    draft.flag("asylum_barred_212f")
    if rule.litigation_status_uncertain:
        draft.flag("litigation_status_uncertain")
    if rule.procedure == "summary_repatriation":
        nationality = ctx.principal_nationality
        draft.authority, draft.pathway, draft.destination = (
            "proclamation_212f",
            "summary_repatriation",
            nationality,
        )
        draft.explain(
            entry,
            "proclamation.summary_repatriation",
            instrument=rule.instrument,
            nationality=nationality,
        )
        return rule.procedure
    draft.flag("withholding_cat_screening_required")
    draft.explain(entry, "proclamation.screening_only", fact="PROC-06", instrument=rule.instrument)
    if rule.litigation_status_uncertain:
        draft.explain(entry, "proclamation.litigation_uncertain", fact="PROC-08a")
    return rule.procedure
