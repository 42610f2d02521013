"""The expected window of a waiting family (``asilo.scheduling.estimate``): worked by hand, then
properties on generated queues.

The hand-worked numbers are explained next to each test: who is ahead in the best and the worst
case, how many persons that makes, and how they fill the room day by day.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asilo.scheduling import (
    AllocationInputError,
    Method,
    PortDayCapacity,
    Registration,
    load_method,
)
from asilo.scheduling.estimate import (
    ExpectedWindow,
    WindowBound,
    expected_window,
    first_day_with_room,
    lottery_places_before,
)
from asilo.scheduling.method import PlacesPerCycle

D1, D2, D3 = date(2023, 7, 1), date(2023, 7, 2), date(2023, 7, 3)


def method_with(longest_waiting: int, lottery: int) -> Method:
    return load_method().model_copy(
        update={
            "places_per_cycle": PlacesPerCycle(longest_waiting=longest_waiting, lottery=lottery)
        }
    )


def room_ab(days: Sequence[date] = (D1, D2, D3)) -> list[PortDayCapacity]:
    """Port A takes 4 persons a day, port B 3; A comes first in the capacity file."""
    return [PortDayCapacity(port, day, n) for port, n in (("A", 4), ("B", 3)) for day in days]


def fam(rid: str, size: int, day: int, tier: int = 2, ports: tuple[str, ...] = ()) -> Registration:
    return Registration(rid, size, date(2023, 1, day), tier, ports)


# U (tier 0) and X (tier 1) come before every tier-2 family. In tier 2 the longest-waiting
# order is W1, W2, T, W4, W5.
QUEUE = [
    fam("W5", 1, 5),
    fam("U", 2, 20, tier=0),
    fam("W2", 2, 2),
    fam("T", 3, 3),
    fam("X", 3, 25, tier=1, ports=("B",)),
    fam("W4", 4, 4),
    fam("W1", 1, 1),
]


def test_lottery_places_before_a_longest_waiting_place() -> None:
    # 1:1 gives W L W L ...: the 3rd longest-waiting place is the 5th place, after 2 lottery ones.
    assert [lottery_places_before(w, 1, 1) for w in (1, 2, 3)] == [0, 1, 2]
    # 2:1 gives W W L W W L W: the 5th longest-waiting place comes after 2 lottery places.
    assert [lottery_places_before(w, 2, 1) for w in (1, 2, 3, 4, 5)] == [0, 0, 1, 1, 2]
    assert lottery_places_before(4, 3, 0) == 0
    assert lottery_places_before(1, 0, 1) is None  # all places are lottery places
    with pytest.raises(ValueError):
        lottery_places_before(0, 1, 1)


def test_first_day_with_room_fills_the_days_in_order() -> None:
    room = {(c.port, c.date): c.capacity for c in room_ab()}
    ports = ("A", "B")
    # 6 persons ahead: 1 July A 4 (2 left to place), B takes 2 and keeps 1, too little for 3;
    # 2 July A still has 4.
    assert first_day_with_room(6, 3, ports, room, D1, 60) == D2
    # 5 persons ahead: A 4, then B takes 1 and keeps 2: room for a family of 2 on 1 July.
    assert first_day_with_room(5, 2, ports, room, D1, 60) == D1
    assert first_day_with_room(0, 4, ports, room, D1, 60) == D1
    assert first_day_with_room(0, 5, ports, room, D1, 60) is None  # no port takes 5
    # 13 persons: 1 July 4 + 3, 2 July 4 + 2 (B keeps 1): 3 July A.
    assert first_day_with_room(13, 3, ports, room, D1, 60) == D3
    assert first_day_with_room(13, 3, ports, room, D1, 2) is None  # beyond a 2-day horizon
    # Starting on 2 July, the room of 1 July is not counted.
    assert first_day_with_room(6, 3, ports, room, D2, 60) == D3
    # Only B: 1 July B 3 is used by 3 persons ahead, 2 July B holds 3.
    assert first_day_with_room(3, 3, ("B",), room, D1, 60) == D2


def test_the_window_half_and_half() -> None:
    window = expected_window("T", QUEUE, room_ab(), method=load_method(), start=D1)
    # Best: ahead are U (2) and X (3), then W1 (1) for the tier's first (longest-waiting)
    # place; T is drawn at the first lottery place: 3 families, 6 persons -> 2 July (above).
    assert window.best == WindowBound(families_ahead=3, persons_ahead=6, day=D2)
    # Worst: T is 3rd longest-waiting; the 2 lottery places before its place go to the two
    # families that waited less (W4: 4, W5: 1), so U, X, W1, W2, W4, W5: 2+3+1+2+4+1 = 13.
    assert window.worst == WindowBound(families_ahead=6, persons_ahead=13, day=D3)
    assert window == ExpectedWindow(
        registration_id="T",
        start=D1,
        horizon_days=60,
        ports=("A", "B"),
        best=window.best,
        worst=window.worst,
    )
    assert window.horizon_end == date(2023, 8, 29)


def test_the_window_beyond_the_horizon_has_no_day() -> None:
    window = expected_window("T", QUEUE, room_ab(), method=load_method(), start=D1, horizon_days=2)
    assert window.best.day == D2
    assert window.worst == WindowBound(families_ahead=6, persons_ahead=13, day=None)


def test_which_families_ahead_count_depends_on_their_ports() -> None:
    queue = [
        fam("Y", 4, 10, tier=1, ports=("A",)),  # never takes room at B: counted in neither case
        fam("X", 3, 11, tier=1, ports=("A", "B")),  # may go to A: counted in the worst case only
        fam("N", 1, 12, tier=1),  # no preference, so it may go to A: worst case only
        fam("S", 2, 13, tier=1, ports=("B",)),  # only B: counted in both cases
        fam("T", 2, 1, ports=("B",)),
        fam("V", 1, 2, ports=("A",)),  # waited less, and never at B
    ]
    window = expected_window("T", queue, room_ab(), method=load_method(), start=D1)
    assert window.ports == ("B",)
    # Best: only S (2) before T at B; 1 July keeps 1, too little for 2; 2 July has 3.
    assert window.best == WindowBound(1, 2, D2)
    # Worst: X, N and S (6 persons): 1 July B 3, 2 July B 3; 3 July has 3 for T's 2. T is the
    # first longest-waiting family of tier 2: no lottery place comes before its place.
    assert window.worst == WindowBound(3, 6, D3)


def test_two_longest_waiting_places_for_one_lottery_place() -> None:
    waited_longer = [fam(f"L{k}", 1, k) for k in range(1, 5)]
    waited_less = [fam(f"M{k}", size, 10 + k) for k, size in enumerate((2, 5, 1, 3))]
    queue = [*waited_longer, fam("T", 1, 5), *waited_less]
    capacity = [PortDayCapacity("A", D1 + timedelta(days=d), 3) for d in range(10)]
    window = expected_window("T", queue, capacity, method=method_with(2, 1), start=D1)
    # Places W W L W W L W: best, T takes the first lottery place after L1 and L2 (2 persons):
    # 1 July has 1 left for T.
    assert window.best == WindowBound(2, 2, D1)
    # Worst, T takes the 7th place: L1-L4 (4) and the two largest that waited less, M1 (5) and
    # M3 (3): 12 persons fill 1-4 July; 5 July has room.
    assert window.worst == WindowBound(6, 12, date(2023, 7, 5))


def test_only_lottery_and_only_longest_waiting() -> None:
    queue = [fam("W1", 2, 1), fam("T", 1, 2), fam("W3", 3, 3)]
    capacity = [PortDayCapacity("A", D1 + timedelta(days=d), 2) for d in range(10)]
    lottery = expected_window("T", queue, capacity, method=method_with(0, 1), start=D1)
    assert lottery.best == WindowBound(0, 0, D1)  # drawn first
    assert lottery.worst == WindowBound(2, 5, date(2023, 7, 3))  # drawn last: 5 persons ahead
    waiting = expected_window("T", queue, capacity, method=method_with(1, 0), start=D1)
    assert waiting.best == waiting.worst == WindowBound(1, 2, D2)


def test_a_family_not_in_the_queue_or_an_unknown_tier_is_refused() -> None:
    with pytest.raises(AllocationInputError, match="not in the queue"):
        expected_window("Q", QUEUE, room_ab(), method=load_method(), start=D1)
    with pytest.raises(AllocationInputError, match="tier 7"):
        expected_window("Z", [fam("Z", 1, 1, tier=7)], room_ab(), method=load_method(), start=D1)
    with pytest.raises(AllocationInputError, match="twice"):
        expected_window("T", [*QUEUE, QUEUE[3]], room_ab(), method=load_method(), start=D1)


# --- properties -------------------------------------------------------------------------------

PORTS = ("A", "B", "C")


def _later(a: date | None, b: date | None) -> bool:
    """True when ``a`` is strictly later than ``b`` (None: beyond the horizon, the latest)."""
    if a is None:
        return b is not None
    return b is not None and a > b


@st.composite
def situations(draw: st.DrawFn) -> tuple[list[Registration], list[PortDayCapacity], Method]:
    count = draw(st.integers(min_value=1, max_value=25))
    queue = [
        Registration(
            f"R{k}",
            draw(st.integers(1, 6)),
            date(2023, 1, 1) + timedelta(days=draw(st.integers(0, 10))),
            draw(st.integers(0, 2)),
            tuple(draw(st.lists(st.sampled_from(PORTS), max_size=3, unique=True))),
        )
        for k in range(count)
    ]
    capacity = [
        PortDayCapacity(port, D1 + timedelta(days=d), draw(st.integers(0, 8)))
        for d in range(draw(st.integers(1, 8)))
        for port in PORTS
    ]
    longest_waiting = draw(st.integers(0, 3))
    method = method_with(longest_waiting, draw(st.integers(0 if longest_waiting else 1, 3)))
    return queue, capacity, method


@settings(max_examples=200, deadline=None)
@given(situations(), st.data())
def test_the_best_case_is_never_after_the_worst(
    situation: tuple[list[Registration], list[PortDayCapacity], Method], data: st.DataObject
) -> None:
    queue, capacity, method = situation
    target = data.draw(st.sampled_from(queue)).registration_id
    window = expected_window(target, queue, capacity, method=method, start=D1, horizon_days=8)
    assert window.best.persons_ahead <= window.worst.persons_ahead
    assert window.best.families_ahead <= window.worst.families_ahead
    assert not _later(window.best.day, window.worst.day)


@settings(max_examples=200, deadline=None)
@given(situations(), st.data())
def test_more_people_ahead_never_gives_an_earlier_day(
    situation: tuple[list[Registration], list[PortDayCapacity], Method], data: st.DataObject
) -> None:
    queue, capacity, method = situation
    target = data.draw(st.sampled_from([r for r in queue if r.tier > 0] or [None]))
    if target is None:
        return
    before = expected_window(target.registration_id, queue, capacity, method=method, start=D1)
    # One more family in a higher tier: always ahead of the target.
    newcomer = Registration(
        "NEW",
        data.draw(st.integers(1, 6)),
        date(2023, 6, 1),
        data.draw(st.integers(0, target.tier - 1)),
        tuple(data.draw(st.lists(st.sampled_from(PORTS), max_size=3, unique=True))),
    )
    after = expected_window(
        target.registration_id, [*queue, newcomer], capacity, method=method, start=D1
    )
    assert after.best.persons_ahead >= before.best.persons_ahead
    assert not _later(before.best.day, after.best.day)
    assert not _later(before.worst.day, after.worst.day)
    # And directly: more persons ahead of the same family never fill the room sooner.
    room = {(c.port, c.date): c.capacity for c in capacity}
    more = data.draw(st.integers(0, 20))
    ports = target.preferred_ports or PORTS
    fewer_day = first_day_with_room(more // 2, target.family_size, ports, room, D1, 8)
    more_day = first_day_with_room(more, target.family_size, ports, room, D1, 8)
    assert not _later(fewer_day, more_day)


def test_the_published_example() -> None:
    """The table of docs/allocation-method.md, "The expected window on the status page"."""
    day = date.fromisoformat
    queue = [
        Registration("F1", 1, day("2023-01-10"), 2),
        Registration("F2", 2, day("2023-01-05"), 2),
        Registration("F3", 2, day("2023-02-01"), 2),
        Registration("F4", 3, day("2023-01-05"), 2, ("El Paso",)),
        Registration("F5", 1, day("2023-03-01"), 2),
        Registration("F6", 1, day("2023-02-15"), 2, ("San Ysidro",)),
        Registration("V1", 3, day("2023-02-01"), 1, ("El Paso", "San Ysidro")),
        Registration("V2", 2, day("2023-01-01"), 1, ("El Paso",)),
        Registration("U1", 5, day("2023-06-01"), 0),
    ]
    capacity = [
        PortDayCapacity(port, d, n)
        for d in (D1, D2)
        for port, n in (("San Ysidro", 4), ("El Paso", 3))
    ]

    def window(rid: str) -> ExpectedWindow:
        return expected_window(rid, queue, capacity, method=load_method(), start=D1)

    f3, f4, f6 = window("F3"), window("F4"), window("F6")
    assert f3.ports == ("San Ysidro", "El Paso")
    assert (f3.best, f3.worst) == (WindowBound(4, 12, D2), WindowBound(8, 18, None))
    assert (f4.best, f4.worst) == (WindowBound(1, 2, D2), WindowBound(5, 14, None))
    assert (f6.best, f6.worst) == (WindowBound(0, 0, D1), WindowBound(6, 14, None))
