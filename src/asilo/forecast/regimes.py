"""Policy regimes as monthly indicators, read from the policy catalogue (never from constants).

Each indicator is the share of a month's days (at noon, U.S. Eastern) on which a catalogue
policy has a value in force: 1.0 for a month wholly under Title 42, 11/31 for May 2023. A
policy the catalogue does not hold (for example Proclamation 10888 before the 2025 catalogue
lands) is reported in ``missing`` and gives no indicator.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from asilo.policy import Catalogue

#: (indicator name, catalogue policy): Title 42, the 2023 rule, Proclamation 10888.
REGIME_POLICIES: tuple[tuple[str, str], ...] = (
    ("title42", "title42/order"),
    ("lawful_pathways_2023", "asylum/lawful_pathways"),
    ("proclamation_10888", "entry/proclamation_10888"),
)

NOON = dt.time(12, 0)


@dataclass(frozen=True)
class Regimes:
    """Indicators by name (one value per month) and the policies the catalogue lacks."""

    months: tuple[dt.date, ...]
    columns: dict[str, npt.NDArray[np.float64]]
    missing: tuple[str, ...]

    def matrix(self, names: Sequence[str]) -> npt.NDArray[np.float64]:
        if not names:
            return np.zeros((len(self.months), 0))
        return np.column_stack([self.columns[n] for n in names])


def _days(month: dt.date) -> list[dt.date]:
    nxt = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return [month + dt.timedelta(days=i) for i in range((nxt - month).days)]


def in_force_share(catalogue: Catalogue, policy: str, month: dt.date) -> float:
    """The share of ``month``'s days on which ``policy`` has a value in force at noon."""
    days = _days(month)
    on = sum(
        1
        for day in days
        if catalogue.in_force(policy, dt.datetime.combine(day, NOON)).value is not None
    )
    return on / len(days)


def in_force_on(catalogue: Catalogue, policy: str, day: dt.date) -> bool:
    if policy not in catalogue.documents:
        return False
    return catalogue.in_force(policy, dt.datetime.combine(day, NOON)).value is not None


def regime_indicators(
    catalogue: Catalogue,
    months: Sequence[dt.date],
    policies: Sequence[tuple[str, str]] = REGIME_POLICIES,
) -> Regimes:
    columns: dict[str, npt.NDArray[np.float64]] = {}
    missing: list[str] = []
    for name, policy in policies:
        if policy not in catalogue.documents:
            missing.append(policy)
            continue
        columns[name] = np.array([in_force_share(catalogue, policy, m) for m in months])
    return Regimes(tuple(months), columns, tuple(missing))


def policy_dates(
    catalogue: Catalogue,
    first: dt.date,
    last: dt.date,
    policies: Sequence[tuple[str, str]] = REGIME_POLICIES,
) -> list[tuple[dt.date, str, str]]:
    """Days on which a regime policy starts or ends between two dates: (day, name, "start"|"end").

    For annotating charts.
    """
    out: list[tuple[dt.date, str, str]] = []
    for name, policy in policies:
        if policy not in catalogue.documents:
            continue
        for period in catalogue.documents[policy].values:
            if period.value is None:
                continue
            start = period.start_instant()
            before = start - dt.timedelta(minutes=1)
            if catalogue.in_force(policy, before).value is None and first <= start.date() <= last:
                out.append((start.date(), name, "start"))
            end = period.end_instant()
            if (
                end is not None
                and catalogue.in_force(policy, end).value is None
                and first <= end.date() <= last
            ):
                out.append((end.date(), name, "end"))
    return sorted(set(out))
