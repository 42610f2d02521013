"""Which value-model fields the rules read: every rule module declares its reads when imported."""

from __future__ import annotations

from asilo.policy.schema import Strict


def field_reads() -> dict[type[Strict], set[str]]:
    """``{value model: fields some rule reads}``, with every rule module imported."""
    from asilo.policy import refugees as refugee_question  # noqa: F401  (reads ceilings)
    from asilo.policy.rules import base, pipeline, refugees, units  # noqa: F401

    return base.READS
