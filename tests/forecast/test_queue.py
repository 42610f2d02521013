"""Port queues: waiting times by tier and family size from the real allocation code."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

import pytest

from asilo.forecast import queue
from asilo.scheduling import PortDayCapacity, Registration, allocate, load_method

METHOD = load_method(None)
AS_OF = date(2023, 6, 14)


def families(n: int = 40, seed: int = 3) -> list[Registration]:
    rng = random.Random(seed)
    return [
        Registration(
            registration_id=f"R{i:03d}",
            family_size=rng.choice((1, 2, 3, 4)),
            registered_on=date(2023, 4, 1) + timedelta(days=rng.randrange(60)),
            tier=rng.choice((0, 1, 2, 2, 2)),
            preferred_ports=rng.choice(((), ("Laredo",), ("Hidalgo", "Laredo"))),
        )
        for i in range(n)
    ]


def capacity(days: int = 10, per_day: int = 6) -> list[PortDayCapacity]:
    return [
        PortDayCapacity(port, AS_OF + timedelta(days=k), per_day)
        for port in ("Laredo", "Hidalgo")
        for k in range(1, days + 1)
    ]


def nearest_rank(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


def test_each_run_is_the_allocation_replayed_on_its_seed() -> None:
    regs, cap = families(), capacity()
    result = queue.simulate(regs, cap, method=METHOD, seed=11, runs=4, as_of=AS_OF)
    assert result.seeds == (11, 12, 13, 14)
    for seed in result.seeds:
        direct = allocate(regs, cap, method=METHOD, seed=seed)
        expected = {
            a.registration_id: None if a.date is None else (a.date - AS_OF).days
            for a in direct.appointments
        }
        assert result.waits[seed] == expected
    # the lottery matters: two seeds do not give every family the same day
    assert result.waits[11] != result.waits[12]


def test_summary_medians_and_90th_percentiles_per_tier_and_size() -> None:
    regs, cap = families(), capacity()
    result = queue.simulate(regs, cap, method=METHOD, seed=1, runs=5, as_of=AS_OF)
    rows = {(r["tier"], r["family_size"]): r for r in result.summary()}
    for tier in {f.tier for f in regs}:
        waits = [
            math.inf if w is None else float(w)
            for f in regs
            if f.tier == tier
            for w in (result.waits[s][f.registration_id] for s in result.seeds)
        ]
        row = rows[(tier, "all")]
        for key, q in (("median_days", 0.5), ("p90_days", 0.9)):
            expected = nearest_rank(waits, q)
            assert row[key] == (None if expected == math.inf else expected)
        assert row["families"] == sum(1 for f in regs if f.tier == tier)
    # the urgent tier goes first: it never waits longer than everyone else at the median
    assert rows[(0, "all")]["median_days"] <= rows[(2, "all")]["median_days"]
    sizes = {r["family_size"] for r in result.summary()}
    assert "all" in sizes and {"1", "2", "3", "4"} & sizes


def test_families_that_do_not_fit_are_censored() -> None:
    regs = families(30)
    result = queue.simulate(
        regs, capacity(days=1, per_day=3), method=METHOD, seed=1, runs=2, as_of=AS_OF
    )
    tier2 = next(r for r in result.summary() if r["tier"] == 2 and r["family_size"] == "all")
    assert tier2["p90_days"] is None
    assert tier2["with_appointment"] < 0.5
    assert queue.percentile([1, None, 3], 0.5) == 3
    assert queue.percentile([1, None, 3], 0.9) is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"runs": 0}, "runs"),
        ({"seed": -1}, "seed"),
        ({"as_of": AS_OF + timedelta(days=5)}, "as-of"),
    ],
)
def test_bad_input_names_the_field(kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {"method": METHOD, "seed": 1, "runs": 2, "as_of": AS_OF}
    args.update(kwargs)
    with pytest.raises(queue.QueueError) as caught:
        queue.simulate(families(), capacity(), **args)  # type: ignore[arg-type]
    assert caught.value.field == field
