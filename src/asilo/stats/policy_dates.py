"""The policy dates the trend charts mark, read from the policy catalogue.

The dates are never typed here: each mark names a catalogue document and which of its edges to
take (when it first came into force, or when it stopped), and the date is read from the catalogue
through its public API (:func:`asilo.policy.load_catalogue`). A document the catalogue does not
hold is left out, so the marks follow the catalogue as it grows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from asilo.policy import Catalogue, load_catalogue

Edge = Literal["start", "end"]


@dataclass(frozen=True)
class PolicyDate:
    """One dated line on a chart: the day, its label and the catalogue document it comes from."""

    day: dt.date
    label: str
    policy: str


#: (catalogue document, edge, label), in the order the labels are joined on a shared day.
MARKED: tuple[tuple[str, Edge, str], ...] = (
    ("title42/order", "start", "Title 42 begins"),
    ("title42/order", "end", "Title 42 ends"),
    ("asylum/lawful_pathways", "start", "2023 asylum rule"),
    ("entry/proclamation_10888", "start", "Proclamation 10888"),
)


def _edge(catalogue: Catalogue, name: str, edge: Edge) -> dt.date | None:
    """The first day a document is in force, or the day it stops (``None``: still in force)."""
    periods = catalogue.documents[name].values
    in_force = [p for p in periods if p.value is not None]
    if not in_force:
        return None
    if edge == "start":
        return in_force[0].start
    first = periods.index(in_force[0])
    for period in periods[first:]:
        if period.value is None:  # the catalogue's way of saying "no longer in force"
            return period.start
    end = periods[-1].end_instant()
    return end.date() if end is not None else None


def policy_dates(catalogue: Catalogue | None = None) -> list[PolicyDate]:
    """The marked policy dates the catalogue holds, in date order."""
    catalogue = catalogue or load_catalogue()
    found: list[PolicyDate] = []
    for name, edge, label in MARKED:
        if name not in catalogue.documents:
            continue
        day = _edge(catalogue, name, edge)
        if day is not None:
            found.append(PolicyDate(day, label, name))
    return sorted(found, key=lambda d: d.day)


def within(dates: Sequence[PolicyDate], first: dt.date, last: dt.date) -> list[PolicyDate]:
    """The dates from the first day of ``first``'s month to the last day of ``last``'s month."""
    start = first.replace(day=1)
    after = (last.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return [d for d in dates if start <= d.day < after]
