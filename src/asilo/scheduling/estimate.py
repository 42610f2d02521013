"""The expected window of a family still waiting: a range of days, not a promise.

The lottery's share of the places is not known until the seed of the next run is drawn, so the
estimate is a **range** between two cases, each computed from the queue as it stands:

- **best case**: the family is drawn first in its tier's lottery, or keeps its longest-waiting
  place, whichever comes earlier. Ahead of it: every family of a higher tier, and the families
  of its own tier that fill the places before that one (the first longest-waiting places of the
  cycle, or every family that has waited longer than it when it comes first in that order);
- **worst case**: the lottery never draws it. Ahead of it: every family of a higher tier, every
  family of its tier that has waited longer, and, for each lottery place that comes before its
  longest-waiting place, one family that has waited less (the largest ones, to be safe).

The family's ports are its preferred ports, or every port when it has none. In the worst case a
family ahead counts when it accepts at least one of those ports (the others never take its
room); in the best case only when it accepts none but those ports (a family with other ports
to go to may go there). The persons ahead (family sizes) then fill the room left at the
family's ports, day by day from ``start``, port by port in its order of preference. The
family's day is the first one on which, once the persons ahead are placed, one of its ports
still has room for the whole family. When that does not happen within ``horizon_days`` days
from ``start``, the day is None: "not within the next N days".

It is an estimate, not a bound: a run places whole families, so a family ahead may leave a
gap too small for it that a later family fills, and families can register, leave or change
priority before the run.

Pure: no Django; plain frozen dataclasses in and out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from asilo.scheduling.method import Method
from asilo.scheduling.model import AllocationInputError, PortDayCapacity, Registration


@dataclass(frozen=True, slots=True)
class WindowBound:
    """One end of the window: the families and persons counted ahead of the family, and the
    first day with room for it after them (None: not within the horizon)."""

    families_ahead: int
    persons_ahead: int
    day: date | None


@dataclass(frozen=True, slots=True)
class ExpectedWindow:
    """The expected window of one family: from ``best.day`` to ``worst.day``."""

    registration_id: str
    start: date
    horizon_days: int
    ports: tuple[str, ...]
    best: WindowBound
    worst: WindowBound

    @property
    def horizon_end(self) -> date:
        """The last day the estimate looks at."""
        return self.start + timedelta(days=self.horizon_days - 1)


def lottery_places_before(waiting_position: int, longest_waiting: int, lottery: int) -> int | None:
    """How many lottery places of a tier come before its ``waiting_position``-th longest-waiting
    place (1-based), cycles starting with their longest-waiting places. None when the cycle has
    no longest-waiting place (every place is a lottery place)."""
    if waiting_position < 1:
        raise ValueError("the longest-waiting position starts at 1")
    if longest_waiting == 0:
        return None
    return ((waiting_position - 1) // longest_waiting) * lottery


def first_day_with_room(
    persons_ahead: int,
    family_size: int,
    ports: Sequence[str],
    room: dict[tuple[str, date], int],
    start: date,
    horizon_days: int,
) -> date | None:
    """Fill the room of ``ports`` day by day from ``start`` (port by port in the given order)
    with ``persons_ahead``; the first day on which, once they are all placed, one of the ports
    still has room for ``family_size`` persons. None when no such day is within the horizon."""
    if persons_ahead < 0 or family_size < 1:
        raise ValueError("persons ahead must be 0 or more, and a family 1 person or more")
    remaining = persons_ahead
    for offset in range(horizon_days):
        day = start + timedelta(days=offset)
        for port in ports:
            free = room.get((port, day), 0)
            taken = min(free, remaining)
            remaining -= taken
            if remaining == 0 and free - taken >= family_size:
                return day
    return None


def _shares_a_port(family: Registration, ports: frozenset[str], all_ports: Sequence[str]) -> bool:
    """``family`` accepts at least one of ``ports`` (no preference: every port)."""
    return not ports.isdisjoint(family.preferred_ports or all_ports)


def _only_these_ports(
    family: Registration, ports: frozenset[str], all_ports: Sequence[str]
) -> bool:
    """``family`` accepts no port but ``ports`` (no preference: every port)."""
    return ports.issuperset(family.preferred_ports or all_ports)


def expected_window(
    registration_id: str,
    queue: Sequence[Registration],
    capacities: Sequence[PortDayCapacity],
    *,
    method: Method,
    start: date,
    horizon_days: int | None = None,
) -> ExpectedWindow:
    """The best and worst case of ``registration_id``'s appointment day, from the families
    waiting (``queue``, the family included) and the room left per port and day.

    Ports without preference are taken in the order of ``capacities`` (as the method does);
    ``horizon_days`` defaults to the method's."""
    horizon = method.horizon_days if horizon_days is None else horizon_days
    if horizon < 1:
        raise ValueError("the horizon is at least 1 day")
    by_id = {r.registration_id: r for r in queue}
    if len(by_id) != len(queue):
        raise AllocationInputError("a registration id is listed twice in the queue")
    family = by_id.get(registration_id)
    if family is None:
        raise AllocationInputError(f"registration {registration_id} is not in the queue")
    if family.tier not in method.tier_numbers():
        raise AllocationInputError(
            f"registration {registration_id}: tier {family.tier} is not one of method "
            f"{method.label}'s tiers"
        )
    all_ports = tuple(dict.fromkeys(c.port for c in capacities))
    ports = family.preferred_ports or all_ports
    port_set = frozenset(ports)
    room: dict[tuple[str, date], int] = {}
    for c in capacities:
        room[(c.port, c.date)] = room.get((c.port, c.date), 0) + c.capacity

    higher = [r for r in queue if r.tier < family.tier]
    tier = sorted(
        (r for r in queue if r.tier == family.tier),
        key=lambda r: (r.registered_on, r.registration_id),
    )
    position = next(k for k, r in enumerate(tier) if r.registration_id == registration_id)
    waited_longer = tier[:position]
    waited_less = tier[position + 1 :]
    cycle = method.places_per_cycle

    # Best case: the first lottery place of the tier, or its longest-waiting place if earlier.
    # Places before the first lottery place are longest-waiting places: with a lottery, at most
    # that many families of the tier come first.
    best_tier = waited_longer[: cycle.longest_waiting] if cycle.lottery > 0 else waited_longer
    # Worst case: every lottery place before its longest-waiting place goes to another family.
    before = lottery_places_before(position + 1, cycle.longest_waiting, cycle.lottery)
    drawn = len(waited_less) if before is None else min(before, len(waited_less))
    largest_first = sorted(
        (r for r in waited_less if _shares_a_port(r, port_set, all_ports)),
        key=lambda r: -r.family_size,
    )
    worst_tier = waited_longer + largest_first[:drawn]

    def bound(
        tier_ahead: Sequence[Registration],
        counts: Callable[[Registration, frozenset[str], Sequence[str]], bool],
    ) -> WindowBound:
        counted = [r for r in (*higher, *tier_ahead) if counts(r, port_set, all_ports)]
        persons = sum(r.family_size for r in counted)
        day = first_day_with_room(persons, family.family_size, ports, room, start, horizon)
        return WindowBound(len(counted), persons, day)

    return ExpectedWindow(
        registration_id=registration_id,
        start=start,
        horizon_days=horizon,
        ports=tuple(ports),
        best=bound(best_tier, _only_these_ports),
        worst=bound(worst_tier, _shares_a_port),
    )
