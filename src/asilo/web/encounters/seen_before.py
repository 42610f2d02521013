"""Earlier encounters of the same person ("seen before"), declared here and answered by the
identity app (:mod:`asilo.web.identity`, a layer above, registers itself in its
``AppConfig.ready``). Without it, nothing is looked up and the answers say so (``None``).

``at_record`` runs once an encounter is stored: it matches its people against the stored
identities (a write: each person gets an identity) and gives each person's earlier
encounters. ``stored`` only reads the identities already stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class SeenBefore:
    """One earlier encounter of a person: when, where, what came of it, and how sure asilo
    is that it was this person (``match_probability``)."""

    encounter_id: int
    date: date
    place: str
    pathway: str
    outcome: str | None
    match_probability: float


#: ``(actor=..., encounter_id=...) -> {person_id: [SeenBefore, ...]}``
Lookup = Callable[..., dict[int, list[SeenBefore]] | None]

_lookups: dict[str, Lookup] = {}


def provide(*, at_record: Lookup, stored: Lookup) -> None:
    _lookups["at_record"] = at_record
    _lookups["stored"] = stored


def at_record(*, actor: Any, encounter_id: int) -> dict[int, list[SeenBefore]] | None:
    """Match the people of a just-stored encounter; ``None`` when nobody provides it."""
    lookup = _lookups.get("at_record")
    return lookup(actor=actor, encounter_id=encounter_id) if lookup else None


def stored(*, actor: Any, encounter_id: int) -> dict[int, list[SeenBefore]] | None:
    """The earlier encounters known from the stored identities; ``None`` when nobody
    provides it."""
    lookup = _lookups.get("stored")
    return lookup(actor=actor, encounter_id=encounter_id) if lookup else None
