"""``asilo forecast queue --program P`` on the demo program: the database's queue and room,
and the same figures as a direct replay of the allocation on the same seeds."""

from __future__ import annotations

import json
import math
from datetime import timedelta

from django.utils import timezone
from typer.testing import CliRunner

from asilo.cli.main import app
from asilo.scheduling import allocate
from asilo.web.appointments import demo
from asilo.web.forecasts.queue_inputs import program_queue


def nearest_rank(values: list[float], q: float) -> float | None:
    ordered = sorted(values)
    value = ordered[max(1, math.ceil(q * len(ordered))) - 1]
    return None if value == math.inf else value


def test_demo_program_queue_matches_a_direct_replay(db: None) -> None:
    demo.load()
    first = timezone.localdate() + timedelta(days=1)
    result = CliRunner().invoke(
        app,
        [
            "forecast",
            "queue",
            "--program",
            demo.PROGRAM,
            "--from",
            first.isoformat(),
            "--seed",
            "40",
            "--runs",
            "3",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    rows = {(r["tier"], r["family_size"]): r for r in json.loads(result.stdout)}
    families, capacity, method = program_queue(demo.PROGRAM, first)
    assert families, "the demo leaves families waiting (no-shows and those that did not fit)"
    as_of = first - timedelta(days=1)
    waits: dict[int, list[float]] = {}
    for seed in (40, 41, 42):
        direct = allocate(families, capacity, method=method, seed=seed)
        tiers = {f.registration_id: f.tier for f in families}
        for a in direct.appointments:
            wait = math.inf if a.date is None else float((a.date - as_of).days)
            waits.setdefault(tiers[a.registration_id], []).append(wait)
    assert {tier for tier, size in rows if size == "all"} == set(waits)
    for tier, values in waits.items():
        row = rows[(tier, "all")]
        assert row["median_days"] == nearest_rank(values, 0.5)
        assert row["p90_days"] == nearest_rank(values, 0.9)
        assert row["families"] * 3 == len(values)


def test_unknown_program_exits_2(db: None) -> None:
    result = CliRunner().invoke(app, ["forecast", "queue", "--program", "no-such-program"])
    assert result.exit_code == 2
    assert "error: program:" in result.stderr
