"""What every write of the app checks the same way: written reasons and notes, and
outcomes.
"""

from __future__ import annotations

from asilo.web.encounters.errors import EncounterError
from asilo.web.encounters.errors import EncounterErrorCode as C
from asilo.web.encounters.models import (
    Outcome,
)

MIN_REASON = 15
MIN_NOTE = 10
MAX_TEXT = 2000


def written(text: str | None, *, field: str, minimum: int, code: C) -> str:
    """A reason or note: stripped, at least ``minimum`` and at most ``MAX_TEXT`` characters."""
    clean = (text or "").strip()
    if len(clean) < minimum:
        raise EncounterError(code, field, minimum=minimum)
    if len(clean) > MAX_TEXT:
        raise EncounterError(C.TEXT_TOO_LONG, field, limit=MAX_TEXT)
    return clean


def check_outcome(outcome: str) -> None:
    if outcome not in Outcome.values:
        raise EncounterError(C.OUTCOME_INVALID, "outcome", allowed=", ".join(Outcome.values))
