"""``asilo stats``: import, report, reconcile, chart and export from the command line."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from asilo.cli.registry import only

REPO = Path(__file__).resolve().parents[2]
CBP = REPO / "data" / "real" / "cbp"
STATE_FILE = CBP / "cbp_nationwide_encounters_state_fy20_fy23.csv"
AOR_EXCERPT = CBP / "cbp_nationwide_encounters_aor_2020_apr_excerpt.csv"
STATE_FILE_FY22_FY25 = CBP / "cbp_nationwide_encounters_state_fy22_fy25.csv"

app = only("stats")
runner = CliRunner()


def run(*args: str) -> Result:
    return runner.invoke(app, ["stats", *args])


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "stats.duckdb"
    result = run("import", str(STATE_FILE), str(AOR_EXCERPT), "--db", str(path))
    assert result.exit_code == 0, result.output
    return path


def test_import_prints_product_rows_and_total(tmp_path: Path) -> None:
    result = run("import", str(STATE_FILE), "--db", str(tmp_path / "s.duckdb"))
    assert result.exit_code == 0
    assert (
        "cbp_nationwide_encounters_state_fy20_fy23.csv: CBP Nationwide Encounters by state "
        "[nationwide_state]; 42,532 rows imported, 8,571,067 encounters, 2019-10 to 2023-09"
    ) in result.stdout


def test_import_reports_the_overlap(db: Path) -> None:
    result = run("import", str(AOR_EXCERPT), "--db", str(db))
    assert result.exit_code == 0
    assert "(replaced the earlier import)" in result.stdout
    assert "reports use cbp_nationwide_encounters_state_fy20_fy23.csv" in result.stdout


def test_bad_file_exits_2_with_the_line(db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    with STATE_FILE.open(encoding="utf-8", newline="") as f:
        head = [next(f) for _ in range(3)]
    bad.write_text("".join(head) + "2020,FYTD,APR,Other,FL,FMUA,CUBA,Title 8,many\r\n")
    before = run("report", "--db", str(db), "--format", "json").stdout
    result = run("import", str(bad), "--db", str(db))
    assert result.exit_code == 2
    assert "error: bad.csv:4: Encounter Count: 'many' is not a whole number" in result.stderr
    assert "nothing imported" in result.stderr
    assert run("report", "--db", str(db), "--format", "json").stdout == before


def test_report_json(db: Path) -> None:
    result = run(
        "report",
        "--db",
        str(db),
        "--region",
        "Southwest Land Border",
        "--by",
        "fiscal_year,title_of_authority",
        "--fiscal-year",
        "2021",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {"fiscal_year": 2021, "title_of_authority": "Title 42", "encounters": 1_063_526},
        {"fiscal_year": 2021, "title_of_authority": "Title 8", "encounters": 671_160},
    ]


def test_report_csv_and_table(db: Path) -> None:
    result = run("report", "--db", str(db), "--region", "southwest", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [int(r["encounters"]) for r in rows] == [458_088, 1_734_686, 2_378_944, 2_475_669]
    table = run("report", "--db", str(db), "--region", "southwest", "--by", "fiscal_year")
    assert "1,734,686" in table.stdout


def test_report_views(db: Path) -> None:
    share = run(
        "report",
        "--db",
        str(db),
        "--region",
        "southwest",
        "--view",
        "title42-share",
        "--format",
        "json",
    )
    assert json.loads(share.stdout)[1]["title_42_share"] == 0.6131
    top = run(
        "report",
        "--db",
        str(db),
        "--region",
        "southwest",
        "--view",
        "top-citizenships",
        "--top",
        "1",
        "--format",
        "json",
    )
    assert {r["citizenship"] for r in json.loads(top.stdout)} == {"MEXICO"}
    fytd = run(
        "report",
        "--db",
        str(db),
        "--region",
        "southwest",
        "--view",
        "fytd",
        "--fiscal-year",
        "2023",
        "--format",
        "json",
    )
    assert json.loads(fytd.stdout)[0]["prior_year"] == 2_378_944


def test_report_refuses_unknown_region_and_missing_db(db: Path, tmp_path: Path) -> None:
    result = run("report", "--db", str(db), "--region", "pacific")
    assert result.exit_code == 2
    assert "unknown region 'pacific'" in result.output
    missing = run("report", "--db", str(tmp_path / "none.duckdb"))
    assert missing.exit_code == 2
    assert "no statistics database" in missing.stderr


def test_reconcile_matches_every_shipped_total(tmp_path: Path) -> None:
    db = tmp_path / "shipped.duckdb"
    imported = run("import", *sorted(str(p) for p in CBP.glob("*.csv")), "--db", str(db))
    assert imported.exit_code == 0, imported.output
    assert STATE_FILE_FY22_FY25.name in imported.stdout
    result = run("reconcile", "--db", str(db))
    assert result.exit_code == 0, result.output
    for line in (
        "matched  Southwest Land Border encounters, FY2020: 458,088",
        "matched  Southwest Land Border encounters, FY2023: 2,475,669",
        "matched  Southwest Land Border encounters, FY2024: 2,135,005",
        "matched  Southwest Land Border encounters, FY2025: 443,671",
    ):
        assert line in result.stdout
    assert "OFF" not in result.stdout and "NO DATA" not in result.stdout
    assert "54 of 54 published totals matched" in result.stdout


def test_reconcile_without_the_later_release_has_no_data_for_fy2024(db: Path) -> None:
    result = run("reconcile", "--db", str(db))
    assert result.exit_code == 1
    assert "NO DATA  Southwest Land Border encounters, FY2024" in result.stdout
    assert "matched  Southwest Land Border encounters, FY2020: 458,088" in result.stdout


def test_reconcile_exits_1_when_a_total_is_off(db: Path, tmp_path: Path) -> None:
    totals = tmp_path / "t.yaml"
    totals.write_text(
        "totals:\n  - {name: SW FY2022, filter: {region: southwest, fiscal_year: 2022}, "
        "expected: 2378945, source: test}\n"
    )
    result = run("reconcile", "--db", str(db), "--totals", str(totals))
    assert result.exit_code == 1
    assert "(off by -1)" in result.stdout


def test_chart_writes_images_and_data_tables(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "charts"
    result = run("chart", "--db", str(db), "--out", str(out), "--format", "png")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 8
    assert "trend_by_authority.png" in names and "trend_by_authority.csv" in names
    assert (out / "trend_by_demographic.png").read_bytes().startswith(b"\x89PNG")
    table = list(csv.DictReader((out / "trend_by_authority.csv").open()))
    report = json.loads(
        run(
            "report",
            "--db",
            str(db),
            "--region",
            "southwest",
            "--by",
            "month,authority",
            "--format",
            "json",
        ).stdout
    )
    assert [int(r["encounters"]) for r in table] == [r["encounters"] for r in report]


def test_chart_into_a_file_exits_2(db: Path, tmp_path: Path) -> None:
    """Defect: ``--out`` naming a file (not a folder) ended in a traceback (FileExistsError)."""
    out = tmp_path / "charts"
    out.write_text("not a folder", encoding="utf-8")
    result = run("chart", "--db", str(db), "--out", str(out), "--format", "svg")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: --out: cannot make the folder {out}: ")
    assert out.read_text(encoding="utf-8") == "not a folder"


def test_export_refuses_an_output_that_cannot_be_written(tmp_path: Path) -> None:
    """Defect: ``--out`` naming a folder ended in a traceback (IsADirectoryError); a missing
    folder was created. Now: exit 2 naming the file, nothing written."""
    records = tmp_path / "own.csv"
    records.write_text(
        "date,component,aor_name,aor_abbv,region,demographic,citizenship,authority,count\n"
        "2023-05-10,USBP,El Paso Sector,EPT,southwest,family_unit,VEN,title_42,4\n",
        encoding="utf-8",
    )
    nowhere = tmp_path / "nowhere"
    for out, message in (
        (tmp_path, f"error: {tmp_path}: is a folder, not a file"),
        (nowhere / "cbp.csv", f"the folder {nowhere} does not exist"),
    ):
        result = run("export", str(records), "--out", str(out))
        assert result.exit_code == 2 and message in result.stderr
        assert [p.name for p in tmp_path.iterdir()] == ["own.csv"]


def test_export_then_import_gives_the_same_total(tmp_path: Path) -> None:
    records = tmp_path / "own.csv"
    records.write_text(
        "date,component,aor_name,aor_abbv,region,demographic,citizenship,authority,count\n"
        "2023-05-10,USBP,El Paso Sector,EPT,southwest,family_unit,VEN,title_42,4\n"
        "2023-05-12,USBP,El Paso Sector,EPT,southwest,family_unit,VEN,title_8,3\n"
        "2023-05-12,OFO,El Paso Field Office,El Paso,southwest,single_adult,HTI,title_8,\n",
        encoding="utf-8",
    )
    cbp = tmp_path / "cbp.csv"
    result = run("export", str(records), "--out", str(cbp))
    assert result.exit_code == 0, result.output
    assert "3 CBP rows, 8 encounters from 3 records" in result.stdout
    db = tmp_path / "own.duckdb"
    imported = run("import", str(cbp), "--db", str(db))
    assert "[nationwide_aor]; 3 rows imported, 8 encounters" in imported.stdout
    report = run("report", "--db", str(db), "--by", "encounter_type", "--format", "json")
    assert json.loads(report.stdout) == [
        {"encounter_type": "Apprehensions", "encounters": 3},
        {"encounter_type": "Expulsions", "encounters": 4},
        {"encounter_type": "Inadmissibles", "encounters": 1},
    ]


def test_the_asilo_command_has_the_stats_commands() -> None:
    from asilo.cli.main import app as asilo

    result = runner.invoke(asilo, ["stats", "--help"])
    assert result.exit_code == 0
    for command in ("import", "report", "reconcile", "chart", "export", "files"):
        assert command in result.stdout


def test_import_a_release_whose_current_year_is_fytd(tmp_path: Path) -> None:
    """CBP's FY23-FY26 releases write the current year as "2026 (FYTD)" (it was refused)."""
    with STATE_FILE_FY22_FY25.open(encoding="utf-8", newline="") as f:
        lines = [next(f).rstrip("\r\n") for _ in range(4)]
    lines[1:] = ["2026 (FYTD),FYTD,NOV," + line.split(",", 3)[3] for line in lines[1:]]
    release = tmp_path / "nationwide-encounters-fy23-fy26-nov-state.csv"
    release.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    db = tmp_path / "s.duckdb"
    imported = run("import", str(release), "--db", str(db))
    assert imported.exit_code == 0, imported.output
    assert "2025-11 to 2025-11" in imported.stdout
    report = run(
        "report", "--db", str(db), "--region", "all", "--by", "fiscal_year", "--format", "json"
    )
    assert report.exit_code == 0, report.output
    assert json.loads(report.stdout) == [{"fiscal_year": 2026, "encounters": 6 + 1 + 4}]
