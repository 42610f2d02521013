"""Small examples worked out by hand (the same as in docs/allocation-method.md).

The lottery numbers below were computed outside Python with
``printf '%s' '7:F1' | sha256sum`` and are written out as literals, so these tests also check
that the documented recipe is the one the code follows.
"""

from __future__ import annotations

from datetime import date

import pytest

from asilo.scheduling import (
    AllocationInputError,
    PortDayCapacity,
    Registration,
    SelectedBy,
    allocate,
    load_method,
    lottery_number,
)
from asilo.scheduling.method import parse_method

SEED = 7
SY, EP = "San Ysidro", "El Paso"
W, L = SelectedBy.LONGEST_WAITING, SelectedBy.LOTTERY

# Seed 7, first 16 hex digits, computed with sha256sum (see the module docstring).
LOTTERY_7 = {
    "V1": "1107b4032fe49e6c",
    "F6": "1f0a9ef7b11a427d",
    "F4": "24a770e42c5c9015",
    "F3": "49829aabc2128ee6",
    "F2": "6ba672d30d196b99",
    "V2": "b54224d4d3de8a27",
    "F5": "c77c4816f7ddcc3d",
    "U1": "caeeeec77316f59d",
    "F1": "ce1591a89a185f7f",
}


def reg(rid: str, size: int, day: str, tier: int, *ports: str) -> Registration:
    return Registration(rid, size, date.fromisoformat(day), tier, tuple(ports))


# The worked example: one urgent family, two vulnerable families, six others.
FAMILIES = [
    reg("F1", 1, "2023-01-10", 2),
    reg("F2", 2, "2023-01-05", 2),
    reg("F3", 2, "2023-02-01", 2),
    reg("F4", 3, "2023-01-05", 2, EP),
    reg("F5", 1, "2023-03-01", 2),
    reg("F6", 1, "2023-02-15", 2, SY),
    reg("V1", 3, "2023-02-01", 1, EP, SY),
    reg("V2", 2, "2023-01-01", 1, EP),
    reg("U1", 5, "2023-06-01", 0),
]
CAPACITY = [
    PortDayCapacity(SY, date(2023, 7, 1), 4),
    PortDayCapacity(EP, date(2023, 7, 1), 3),
    PortDayCapacity(SY, date(2023, 7, 2), 4),
    PortDayCapacity(EP, date(2023, 7, 2), 3),
]


def method_text(longest_waiting: int, lottery: int, horizon_days: int = 60) -> str:
    return f"""
name: test
version: "1"
tiers: [{{tier: 0, name: urgent}}, {{tier: 1, name: vulnerable}}, {{tier: 2, name: other}}]
places_per_cycle: {{longest_waiting: {longest_waiting}, lottery: {lottery}}}
horizon_days: {horizon_days}
longest_waiting_order: [registered_on, registration_id]
lottery:
  hash: sha256
  message: "{{seed}}:{{registration_id}}"
  order: [lottery_number, registration_id]
ports_without_preference: capacity_file_order
"""


def ranked(seed: int = SEED, longest_waiting: int = 1, lottery: int = 1) -> list[str]:
    method = parse_method(method_text(longest_waiting, lottery), "test")
    result = allocate(FAMILIES, CAPACITY, method=method, seed=seed)
    return [a.registration_id for a in result.appointments]


def test_lottery_numbers_follow_the_published_recipe() -> None:
    for registration_id, prefix in LOTTERY_7.items():
        assert lottery_number(SEED, registration_id)[:16] == prefix
    assert (
        lottery_number(20230512, "R-0001")
        == "bf05884b7d6b799b935b47405c35c63eb29de3e9bf623725f3ca739d868024c0"
    )
    assert lottery_number(0, "A") == (
        "99fd3b036338be9a1e8804a08d879f269be3b0623993605e3c75c90550994ace"
    )


def test_rank_order_worked_by_hand_with_the_default_method() -> None:
    # Tier 0: U1. Tier 1: waiting V2 (Jan 1) then V1; lottery V1 (1107...) then V2.
    #   W -> V2, L -> V1.
    # Tier 2: waiting F2 (Jan 5, id before F4), F4, F1, F3, F6, F5;
    #   lottery F6, F4, F3, F2, F5, F1.
    #   W F2, L F6, W F4, L F3 (F4 taken), W F1, L F5 (F2 taken).
    result = allocate(FAMILIES, CAPACITY, method=load_method(), seed=SEED)
    assert [(a.registration_id, a.priority_rank, a.selected_by) for a in result.appointments] == [
        ("U1", 1, W),
        ("V2", 2, W),
        ("V1", 3, L),
        ("F2", 4, W),
        ("F6", 5, L),
        ("F4", 6, W),
        ("F3", 7, L),
        ("F1", 8, W),
        ("F5", 9, L),
    ]


def test_appointments_worked_by_hand() -> None:
    result = allocate(FAMILIES, CAPACITY, method=load_method(), seed=SEED)
    jul1, jul2 = date(2023, 7, 1), date(2023, 7, 2)
    assert [(a.registration_id, a.port, a.date) for a in result.appointments] == [
        ("U1", None, None),  # 5 persons: no port has room for 5 on any day
        ("V2", EP, jul1),  # El Paso Jul 1: 3 -> 1
        ("V1", SY, jul1),  # El Paso has 1 on Jul 1; the earliest day wins: San Ysidro 4 -> 1
        ("F2", SY, jul2),  # Jul 1 has 1 and 1; Jul 2 San Ysidro (first in file) 4 -> 2
        ("F6", SY, jul1),  # later-ranked but small: San Ysidro Jul 1 1 -> 0
        ("F4", EP, jul2),  # El Paso only: Jul 1 has 1; Jul 2 3 -> 0
        ("F3", SY, jul2),  # Jul 1 has 0 and 1; Jul 2 San Ysidro 2 -> 0
        ("F1", EP, jul1),  # El Paso Jul 1 1 -> 0
        ("F5", None, None),  # every port and day is full
    ]
    assert (result.method_name, result.method_version, result.seed) == ("fair", "2023.1", 7)
    assert (result.horizon_start, result.horizon_end) == (jul1, jul2)


def test_another_seed_draws_another_lottery_order() -> None:
    # Seed 8 lottery: F2 1f1a, F1 4ef1, F6 c67f, F4 e4eb, F3 eea1, F5 f3d4.
    # W F2, L F1, W F4, L F6, W F3, L F5.
    assert ranked(seed=8)[3:] == ["F2", "F1", "F4", "F6", "F3", "F5"]


def test_two_longest_waiting_places_to_one_lottery_place() -> None:
    # Seed 7, tier 2: W F2, W F4, L F6, W F1, W F3, L F5.
    assert ranked(longest_waiting=2, lottery=1)[3:] == ["F2", "F4", "F6", "F1", "F3", "F5"]


def test_lottery_only_follows_the_lottery_numbers() -> None:
    assert ranked(longest_waiting=0, lottery=1)[3:] == ["F6", "F4", "F3", "F2", "F5", "F1"]


def test_longest_waiting_only_follows_registration_dates_then_ids() -> None:
    assert ranked(longest_waiting=1, lottery=0)[3:] == ["F2", "F4", "F1", "F3", "F6", "F5"]


def test_the_horizon_limits_the_days_used() -> None:
    method = parse_method(method_text(1, 1, horizon_days=1), "test")
    result = allocate(FAMILIES, CAPACITY, method=method, seed=SEED)
    assert {a.date for a in result.appointments} == {date(2023, 7, 1), None}
    assert result.horizon_end == date(2023, 7, 1)
    # Jul 1 only: V2 EP, V1 SY, F2 none (1 and 1 left), F6 SY, F4 none, F3 none, F1 EP, F5 none.
    assert [a.registration_id for a in result.allocated()] == ["V2", "V1", "F6", "F1"]


def test_the_order_of_the_registrations_does_not_change_anything() -> None:
    forward = allocate(FAMILIES, CAPACITY, method=load_method(), seed=SEED)
    backward = allocate(FAMILIES[::-1], CAPACITY, method=load_method(), seed=SEED)
    assert forward == backward


def test_the_input_digest_changes_with_the_inputs() -> None:
    base = allocate(FAMILIES, CAPACITY, method=load_method(), seed=SEED)
    changed = [*CAPACITY[:-1], PortDayCapacity(EP, date(2023, 7, 2), 4)]
    other = allocate(FAMILIES, changed, method=load_method(), seed=SEED)
    assert other.registrations_digest == base.registrations_digest
    assert other.capacity_digest != base.capacity_digest
    assert other.input_digest != base.input_digest


@pytest.mark.parametrize(
    ("registrations", "capacity", "seed", "problem"),
    [
        ([reg("A", 1, "2023-01-01", 2), reg("A", 2, "2023-01-02", 2)], CAPACITY, 1, "more than"),
        ([reg("A", 1, "2023-01-01", 5)], CAPACITY, 1, "tier 5"),
        ([reg("A", 1, "2023-01-01", 2, "Laredo")], CAPACITY, 1, "Laredo"),
        ([reg("A", 1, "2023-01-01", 2)], [*CAPACITY, CAPACITY[0]], 1, "two capacities"),
        ([reg("A", 1, "2023-01-01", 2)], CAPACITY, -1, "seed"),
    ],
)
def test_bad_values_are_refused(
    registrations: list[Registration],
    capacity: list[PortDayCapacity],
    seed: int,
    problem: str,
) -> None:
    with pytest.raises(AllocationInputError, match=problem):
        allocate(registrations, capacity, method=load_method(), seed=seed)


@pytest.mark.parametrize(
    ("rid", "size", "ports"),
    [("", 1, ()), ("Ñ1", 1, ()), ("A B", 1, ()), ("A", 0, ()), ("A", 1, (SY, SY))],
)
def test_a_registration_refuses_bad_values(rid: str, size: int, ports: tuple[str, ...]) -> None:
    with pytest.raises(AllocationInputError):
        Registration(rid, size, date(2023, 1, 1), 2, ports)


def test_no_registrations_and_no_capacity() -> None:
    result = allocate([], [], method=load_method(), seed=0)
    assert result.appointments == ()
    assert result.horizon_start is None


def test_the_published_method_file_is_shipped() -> None:
    method = load_method()
    assert method.label == "fair-2023.1"
    assert method.tier_numbers() == (0, 1, 2)
    assert method.cycle() == (W, L)
    assert method.horizon_days == 60
