"""The stock-and-flow custody model: kernels, arrivals, engine shares, capacity."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from asilo.forecast import custody
from asilo.policy import load_catalogue, load_scenario

ENDS = custody.SCENARIOS / "title42-ends-2023-05-11.yaml"
KEPT = custody.SCENARIOS / "title42-kept.yaml"
RGV = custody.place_of("Rio Grande Valley")


@pytest.mark.parametrize("hours", [6.0, 12.0, 24.0, 50.0, 72.0])
def test_kernel_holds_each_person_for_their_hours(hours: float) -> None:
    kernel = custody.occupancy_kernel(hours)
    assert kernel.sum() * 24 == pytest.approx(hours, rel=1e-9)
    assert (kernel >= 0).all()


def test_spread_month_keeps_the_total_and_follows_the_weekdays() -> None:
    weights = (2, 1, 1, 1, 1, 1, 1)
    days = custody.spread_month(dt.date(2023, 5, 1), 3100.0, weights)
    assert len(days) == 31
    assert sum(days.values()) == pytest.approx(3100.0)
    monday, tuesday = days[dt.date(2023, 5, 1)], days[dt.date(2023, 5, 2)]
    assert monday == pytest.approx(2 * tuesday)


def test_parameters_are_cited_or_marked_assumptions() -> None:
    parameters = custody.load_parameters()
    assert parameters.hours("processing").hours == 72
    assert "CUS-01" in parameters.hours("processing").source
    assert parameters.hours("orr_transfer").kind == "documented"
    assert parameters.hours("expulsion").kind == "assumption"
    assert parameters.hours("a_pathway_added_later") == parameters.default


def test_a_bad_parameter_file_names_the_field(tmp_path: Path) -> None:
    text = custody.PARAMETERS.read_text().replace("hours: 12", "hours: -3")
    bad = tmp_path / "p.yaml"
    bad.write_text(text)
    with pytest.raises(custody.CustodyError, match=r"pathways\.expulsion\.hours"):
        custody.load_parameters(bad)


def single(nationality: str) -> custody.Mix:
    return custody.Mix((("single_adult", nationality, 1.0),))


def test_engine_shares_change_with_the_scenario_after_title42_ends() -> None:
    catalogue = load_catalogue()
    ends = custody.PathwayShares(catalogue, load_scenario(ENDS))
    kept = custody.PathwayShares(catalogue, load_scenario(KEPT))
    mix = single("HND")
    before, after = dt.date(2023, 5, 10), dt.date(2023, 5, 20)
    assert ends.shares(before, RGV, mix) == {"expulsion": 1.0}
    assert kept.shares(before, RGV, mix) == {"expulsion": 1.0}
    assert ends.shares(after, RGV, mix) == {"processing": 1.0}
    assert kept.shares(after, RGV, mix) == {"expulsion": 1.0}
    # cached per regime: another day of the same regime decides nothing new
    count = ends.decisions
    ends.shares(dt.date(2023, 5, 21), RGV, mix)
    assert ends.decisions == count
    mixed = custody.Mix(
        (("single_adult", "HND", 3.0), ("unaccompanied_child", "GTM", 1.0))
    ).normalised()
    assert ends.shares(after, RGV, mixed) == pytest.approx(
        {"orr_transfer": 0.25, "processing": 0.75}
    )


def test_constant_arrivals_reach_littles_law_and_the_scenarios_differ() -> None:
    catalogue = load_catalogue()
    parameters = custody.load_parameters()
    first, last = dt.date(2023, 4, 20), dt.date(2023, 5, 31)
    start = first - dt.timedelta(days=10)
    days = [start + dt.timedelta(days=i) for i in range((last - start).days + 1)]
    arrivals = custody.Arrivals({"Rio Grande Valley": dict.fromkeys(days, 240.0)})
    engines = {
        "ends": custody.PathwayShares(catalogue, load_scenario(ENDS)),
        "kept": custody.PathwayShares(catalogue, load_scenario(KEPT)),
    }
    capacities = [custody.Capacity("Rio Grande Valley", 500.0)]
    result = custody.project(
        arrivals,
        first=first,
        last=last,
        parameters=parameters,
        engines=engines,
        mix_for=lambda place, day: single("HND"),
        capacities=capacities,
    )
    held = {(r.scenario, r.day): r.in_custody for r in result.rows}
    # Title 42: 240 a day held 12 hours -> 120; processing: held 72 hours -> 720
    assert held[("ends", dt.date(2023, 5, 1))] == pytest.approx(120.0)
    assert held[("kept", dt.date(2023, 5, 31))] == pytest.approx(120.0)
    assert held[("ends", dt.date(2023, 5, 31))] == pytest.approx(720.0)
    exceeded = result.first_exceeded()
    assert exceeded[("kept", "Rio Grande Valley")] is None
    first_over = exceeded[("ends", "Rio Grande Valley")]
    assert first_over is not None
    assert dt.date(2023, 5, 12) <= first_over <= dt.date(2023, 5, 14)
    assert held[("ends", first_over)] > 500 >= held[("ends", first_over - dt.timedelta(days=1))]


def test_arrivals_file_with_mix_and_measured_weekday_profile(tmp_path: Path) -> None:
    path = tmp_path / "arrivals.csv"
    lines = ["date,place,count,demographic,nationality"]
    for i in range(14):
        day = dt.date(2023, 5, 1) + dt.timedelta(days=i)
        count = 200 if day.weekday() == 0 else 100
        lines.append(f"{day},RGV,{count},single_adult,HND")
    lines.append("2023-06,Rio Grande Valley,3000,family_unit,GTM")
    path.write_text("\n".join(lines) + "\n")
    arrivals = custody.read_arrivals(path, (1,) * 7)
    assert arrivals.weekday_weights is not None
    assert arrivals.weekday_weights[0] == 2 * arrivals.weekday_weights[1]
    june = {d: c for d, c in arrivals.by_place["Rio Grande Valley"].items() if d.month == 6}
    assert sum(june.values()) == pytest.approx(3000)
    assert june[dt.date(2023, 6, 5)] == pytest.approx(2 * june[dt.date(2023, 6, 6)])  # Monday
    assert arrivals.mixes[("Rio Grande Valley", dt.date(2023, 6, 5))].cells == (
        ("family_unit", "GTM", 1.0),
    )


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ("date,place\n2023-05-01,RGV\n", "missing column"),
        ("date,place,count\n2023-13-01,RGV,5\n", "date"),
        ("date,place,count\n2023-05-01,Atlantis,5\n", "place"),
        ("date,place,count\n2023-05-01,RGV,five\n", "count"),
        ("date,place,count\n2023-05-01,RGV,-5\n", "count"),
        ("date,place,count,demographic,nationality\n2023-05-01,RGV,5,pets,HND\n", "demographic"),
    ],
)
def test_bad_arrivals_name_the_line_and_field(tmp_path: Path, content: str, field: str) -> None:
    path = tmp_path / "a.csv"
    path.write_text(content)
    with pytest.raises(custody.CustodyError, match=field):
        custody.read_arrivals(path, (1,) * 7)


def test_capacity_by_period(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("place,capacity,from,to\nRGV,100,2023-05-01,2023-05-15\nRGV,200,2023-05-16,\n")
    capacities = custody.read_capacity(path)
    assert custody.capacity_on(capacities, "Rio Grande Valley", dt.date(2023, 5, 2)) == 100
    assert custody.capacity_on(capacities, "Rio Grande Valley", dt.date(2023, 6, 2)) == 200
    assert custody.capacity_on(capacities, "El Paso", dt.date(2023, 6, 2)) is None
    path.write_text("place,capacity\nRGV,lots\n")
    with pytest.raises(custody.CustodyError, match="capacity"):
        custody.read_capacity(path)


def test_kernel_for_a_day_split() -> None:
    # 12 hours from a uniform time of day: 3/4 of it falls on the arrival day on average
    kernel = custody.occupancy_kernel(12.0)
    assert kernel[0] * 24 == pytest.approx(9.0, rel=1e-3)
    assert np.isclose(kernel[1] * 24, 3.0, rtol=1e-3)


def test_mix_of_people_from_the_by_state_files(con: object) -> None:
    mix = custody.mix_from_store(con, "TX", dt.date(2023, 5, 1), "COL")
    assert mix is not None
    assert sum(w for _, _, w in mix.cells) == pytest.approx(1.0, abs=1e-4)
    demographics = {d for d, _, _ in mix.cells}
    assert demographics <= set(custody.DEMOGRAPHICS)
    assert {"single_adult", "family_unit", "unaccompanied_child"} <= demographics
    # CBP's OTHER is decided as the stated stand-in nationality
    assert any(n == "COL" for _, n, _ in mix.cells)
    assert custody.mix_from_store(con, "TX", dt.date(2010, 5, 1), "COL") is None
