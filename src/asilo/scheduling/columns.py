"""The registrations as columns, read once per run.

A run over a million registrations spends much of its time walking the registration objects;
reading each field once into a column (a list or a numpy array) and working on the columns
afterwards keeps that to one walk per field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter

import numpy as np
import numpy.typing as npt

from asilo.scheduling.model import AllocationInputError, Registration


@dataclass(frozen=True, slots=True)
class RegistrationColumns:
    """One entry per registration, in the order given."""

    ids: list[str]
    family_sizes: list[int]
    tiers: npt.NDArray[np.int64]
    registered_on: npt.NDArray[np.int64]  # proleptic Gregorian ordinal of the date
    id_order: npt.NDArray[np.intp]  # positions in ASCII order of id
    id_ranks: npt.NDArray[np.int64]  # each registration's place in ASCII order of id

    @classmethod
    def of(cls, registrations: Sequence[Registration]) -> RegistrationColumns:
        """Read the columns; raises ``AllocationInputError`` on a duplicate registration id."""
        ids = list(map(attrgetter("registration_id"), registrations))
        dates = list(map(attrgetter("registered_on"), registrations))
        ordinal_of = {day: day.toordinal() for day in set(dates)}
        id_order = _ascii_order(ids)
        id_ranks = np.empty(len(ids), dtype=np.int64)
        id_ranks[id_order] = np.arange(len(ids), dtype=np.int64)
        return cls(
            ids=ids,
            family_sizes=list(map(attrgetter("family_size"), registrations)),
            tiers=np.array(list(map(attrgetter("tier"), registrations)), dtype=np.int64),
            registered_on=np.array(list(map(ordinal_of.__getitem__, dates)), dtype=np.int64),
            id_order=id_order,
            id_ranks=id_ranks,
        )


def _ascii_order(ids: list[str]) -> npt.NDArray[np.intp]:
    """Positions of the ids in ASCII (code point) order; raises on a duplicate id."""
    if not ids:
        return np.empty(0, dtype=np.intp)
    text = np.array(ids)
    order = np.argsort(text, kind="stable").astype(np.intp)
    ordered = text[order]
    same = np.flatnonzero(ordered[1:] == ordered[:-1])
    if same.size:
        raise AllocationInputError(
            f"registration id {ordered[int(same[0])]} appears more than once"
        )
    return order
