"""``asilo forecast``: the exact command-line contract and its errors (exit 2, field named)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from asilo.cli.main import app
from asilo.forecast import custody
from asilo.stats import importer, store

REPO = Path(__file__).resolve().parents[2]
CBP = REPO / "data" / "real" / "cbp"
runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("forecast-cli") / "stats.duckdb"
    con = store.connect(path)
    importer.import_files(con, sorted(CBP.glob("cbp_nationwide_encounters_state_*.csv")))
    con.close()
    return path


def run(*args: str) -> Result:
    return runner.invoke(app, ["forecast", *args])


def test_encounters_json_contract(db: Path) -> None:
    result = run(
        "encounters",
        "--series",
        "state=NM",
        "--horizon",
        "2",
        "--from",
        "2023-01",
        "--format",
        "json",
        "--models",
        "AutoTheta,SeasonalNaive",
        "--db",
        str(db),
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 4
    for row in rows:
        assert list(row) == ["period", "mean", "lo80", "hi80", "lo95", "hi95", "model"]
    assert [r["period"] for r in rows[:2]] == ["2023-01", "2023-02"]
    assert {r["model"] for r in rows} == {"AutoTheta", "SeasonalNaive"}


def test_encounters_csv_from_the_sector_file() -> None:
    result = run(
        "encounters",
        "--series",
        "sector=yuma",
        "--horizon",
        "1",
        "--format",
        "csv",
        "--models",
        "SeasonalNaive",
        "--sector-file",
        str(CBP / "usbp_monthly_apprehensions_by_sector_fy2000_fy2020.psv"),
    )
    assert result.exit_code == 0, result.output
    header, line = result.stdout.strip().splitlines()
    assert header == "period,mean,lo80,hi80,lo95,hi95,model"
    assert line.startswith("2020-10,")  # the month after the file's last (September 2020)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--series", "colour=red", "--horizon", "2"], "series"),
        (["--series", "state=TX", "--horizon", "0"], "horizon"),
        (["--series", "state=TX", "--horizon", "2", "--from", "2023/01"], "from"),
        (["--series", "state=TX", "--horizon", "2", "--from", "1990-01"], "from"),
        (["--series", "state=TX", "--horizon", "2", "--models", "Prophet"], "models"),
    ],
)
def test_encounters_bad_input_exits_2_naming_the_field(
    db: Path, args: list[str], field: str
) -> None:
    result = run("encounters", *args, "--db", str(db))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"error: {field}:" in result.stderr


def test_backtest_prints_mase_and_coverage(db: Path) -> None:
    result = run(
        "backtest",
        "--series",
        "state=NM",
        "--origins",
        "2",
        "--horizon",
        "2",
        "--models",
        "AutoTheta",
        "--format",
        "json",
        "--db",
        str(db),
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["model"] for r in rows] == ["AutoTheta", "SeasonalNaive"]
    assert {"mase_h1", "mase_h2", "mase", "coverage80", "coverage95"} <= set(rows[0])
    bad = run("backtest", "--series", "state=NM", "--origins", "0", "--db", str(db))
    assert bad.exit_code == 2 and "error: origins:" in bad.stderr


def test_backtest_origins_end_at_last_origin(db: Path) -> None:
    result = run(
        "backtest",
        "--series",
        "state=NM",
        "--origins",
        "3",
        "--horizon",
        "1",
        "--models",
        "AutoTheta",
        "--last-origin",
        "2023-05",
        "--db",
        str(db),
    )
    assert result.exit_code == 0, result.output
    assert "3 origins 2023-03 to 2023-05" in result.stdout
    late = run(
        "backtest",
        "--series",
        "state=NM",
        "--origins",
        "3",
        "--last-origin",
        "2030-01",
        "--db",
        str(db),
    )
    assert late.exit_code == 2 and "error: last-origin:" in late.stderr


def test_custody_compares_two_scenarios_from_an_arrivals_file(tmp_path: Path) -> None:
    arrivals = tmp_path / "arrivals.csv"
    arrivals.write_text(
        "date,place,count,demographic,nationality\n"
        "2023-04,Rio Grande Valley,9000,single_adult,HND\n"
        "2023-05,Rio Grande Valley,9300,single_adult,HND\n"
    )
    capacity = tmp_path / "capacity.csv"
    capacity.write_text("place,capacity\nRio Grande Valley,600\n")
    result = run(
        "custody",
        "--arrivals",
        str(arrivals),
        "--scenario",
        str(custody.SCENARIOS / "title42-ends-2023-05-11.yaml"),
        "--scenario",
        str(custody.SCENARIOS / "title42-kept.yaml"),
        "--from",
        "2023-05-01",
        "--to",
        "2023-05-31",
        "--capacity",
        str(capacity),
        "--format",
        "json",
        "--db",
        str(tmp_path / "none.duckdb"),
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    days = {d["date"]: d for d in data["days"]}
    assert len(days) == 31
    may1, may31 = days["2023-05-01"], days["2023-05-31"]
    assert may1["difference"] == 0
    # 300 a day: expelled in 12 hours (150 held) or processed in 72 (900 held)
    assert may31["held:title42-ends-2023-05-11"] == pytest.approx(900, abs=1)
    assert may31["held:title42-kept"] == pytest.approx(150, abs=1)
    assert may31["difference"] == pytest.approx(-750, abs=1)
    shares = may31["by_scenario"]["title42-ends-2023-05-11"]["pathway_shares"]
    assert shares == {"processing": 1.0}
    exceeded = {e["scenario"]: e["first_day_over_capacity"] for e in data["first_exceeded"]}
    assert exceeded["title42-kept"] is None
    assert exceeded["title42-ends-2023-05-11"] in ("2023-05-13", "2023-05-14")


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--from", "2023-05-01", "--to", "2023-05-31"], "arrivals"),
        (["--from-forecast", "--from", "2023-05-01", "--to", "2023-05-31"], "place"),
        (["--from-forecast", "--place", "RGV", "--from", "2023-5-1", "--to", "2023-05-31"], "from"),
        (
            [
                "--from-forecast",
                "--place",
                "Atlantis",
                "--from",
                "2023-05-01",
                "--to",
                "2023-05-31",
            ],
            "place",
        ),
        (["--arrivals", "nowhere.csv", "--from", "2023-05-01", "--to", "2023-05-31"], "arrivals"),
    ],
)
def test_custody_bad_input_exits_2_naming_the_field(args: list[str], field: str) -> None:
    result = run("custody", "--scenario", str(custody.SCENARIOS / "title42-kept.yaml"), *args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert f"error: {field}:" in result.stderr
