"""Port queues: how long registered families wait for an appointment, by tier and family size.

The real allocation code (:func:`asilo.scheduling.allocate`, the published method) is run on the
families waiting and the ports' daily capacities once per lottery seed (``seed``, ``seed + 1``,
...). The lottery is the only thing a seed changes, so the runs show how much of a family's
wait is the draw. A family's wait is the number of days from ``as_of`` to its appointment; a
family that gets no appointment within the capacities given has waited longer than the last
capacity day (censored), and a percentile that falls among those is reported as ``None``.

Percentiles are nearest-rank: the smallest wait such that at least that share of the waits
(over every run) is no longer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from asilo.forecast.errors import FieldError
from asilo.scheduling import (
    AllocationInputError,
    Method,
    PortDayCapacity,
    Registration,
    allocate,
)


class QueueError(FieldError):
    """A queue forecast's bad input."""


@dataclass(frozen=True)
class QueueForecast:
    """Every run's wait per registration (``None``: no appointment within the capacities)."""

    as_of: date
    seeds: tuple[int, ...]
    last_capacity_day: date | None
    families: tuple[Registration, ...]
    waits: dict[int, dict[str, int | None]]

    def summary(self) -> list[dict[str, Any]]:
        """Per tier (family size ``all``) and per tier and family size: median and 90th pct."""
        groups: dict[tuple[int, str], list[int | None]] = {}
        counts: dict[tuple[int, str], int] = {}
        for family in self.families:
            keys = [(family.tier, "all"), (family.tier, str(family.family_size))]
            for key in keys:
                counts[key] = counts.get(key, 0) + 1
                bucket = groups.setdefault(key, [])
                for seed in self.seeds:
                    bucket.append(self.waits[seed][family.registration_id])
        rows = []
        for (tier, size), waits in sorted(
            groups.items(), key=lambda item: (item[0][0], item[0][1] != "all", _size(item[0][1]))
        ):
            allocated = [w for w in waits if w is not None]
            rows.append(
                {
                    "tier": tier,
                    "family_size": size,
                    "families": counts[(tier, size)],
                    "runs": len(self.seeds),
                    "with_appointment": round(len(allocated) / len(waits), 3),
                    "median_days": percentile(waits, 0.5),
                    "p90_days": percentile(waits, 0.9),
                }
            )
        return rows


def _size(text: str) -> int:
    return 0 if text == "all" else int(text)


def percentile(waits: Sequence[int | None], q: float) -> int | None:
    """Nearest-rank percentile; ``None`` (censored) waits count as longer than any day."""
    if not waits:
        return None
    ordered = sorted(waits, key=lambda w: math.inf if w is None else w)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


def waits_of(
    registrations: Sequence[Registration],
    capacity: Sequence[PortDayCapacity],
    *,
    method: Method,
    seed: int,
    as_of: date,
) -> dict[str, int | None]:
    """One allocation run: days from ``as_of`` to each family's appointment."""
    result = allocate(registrations, capacity, method=method, seed=seed)
    return {
        a.registration_id: None if a.date is None else (a.date - as_of).days
        for a in result.appointments
    }


def simulate(
    registrations: Sequence[Registration],
    capacity: Sequence[PortDayCapacity],
    *,
    method: Method,
    seed: int,
    runs: int = 20,
    as_of: date,
) -> QueueForecast:
    """Run the allocation ``runs`` times with seeds ``seed`` .. ``seed + runs - 1``."""
    if not 1 <= runs <= 1000:
        raise QueueError("runs", f"{runs} must be between 1 and 1000")
    if seed < 0:
        raise QueueError("seed", f"{seed} must be 0 or more")
    if not registrations:
        raise QueueError("program", "no families are waiting")
    if not capacity or not any(c.capacity > 0 for c in capacity):
        raise QueueError("capacity", "no port has room on any day")
    if min(c.date for c in capacity) <= as_of:
        raise QueueError("as-of", f"{as_of} must be before the first capacity day")
    seeds = tuple(range(seed, seed + runs))
    waits: dict[int, dict[str, int | None]] = {}
    try:
        for s in seeds:
            waits[s] = waits_of(registrations, capacity, method=method, seed=s, as_of=as_of)
    except AllocationInputError as exc:
        raise QueueError("registrations", str(exc)) from exc
    return QueueForecast(
        as_of=as_of,
        seeds=seeds,
        last_capacity_day=max(c.date for c in capacity),
        families=tuple(registrations),
        waits=waits,
    )
