"""asilo's own encounters in CBP's format: the export service, the command, the round trip
through ``asilo stats import``, and the demo loader."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from asilo.cli.main import app as asilo_app
from asilo.stats import store
from asilo.stats.cbp_export import HEADER
from asilo.web.dashboards import cli as dashboards_cli
from asilo.web.dashboards import demo as stats_demo
from asilo.web.dashboards.export import EXPORT_FILE_NAME, export_encounters
from asilo.web.encounters import demo as encounters_demo
from asilo.web.encounters.models import EncounterPerson, Override

pytestmark = pytest.mark.django_db

CBP_DEMOGRAPHIC = {
    "single_adult": "Single Adults",
    "family_unit": "FMUA",
    "unaccompanied_child": "UC / Single Minors",
    "accompanied_minor": "Accompanied Minors",
}


def expected_by_demographic_and_authority() -> Counter[tuple[str, str]]:
    """What the case application holds, counted independently of the export."""
    overridden = dict(Override.objects.values_list("decision__encounter_id", "authority"))
    counts: Counter[tuple[str, str]] = Counter()
    for p in EncounterPerson.objects.select_related("encounter__decision"):
        members = {
            m["person"]: m["authority"] for m in p.encounter.decision.result.get("members") or []
        }
        authority = overridden.get(p.encounter_id) or members.get(
            p.position, p.encounter.decision.authority
        )
        label = "Title 42" if authority == "title_42" else "Title 8"
        counts[(CBP_DEMOGRAPHIC[p.demographic], label)] += 1
    return counts


def test_family_export_rows(record_family: Any) -> None:
    out = io.StringIO()
    summary = export_encounters(out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert tuple(rows[0]) == HEADER
    assert summary.encounters == 2 and summary.rows == len(rows) == 1
    row = rows[0]
    assert row["Fiscal Year"] == "2022" and row["Month (abbv)"] == "MAY"
    assert row["Component"] == "U.S. Border Patrol"
    assert row["Area of Responsibility"] == "Rio Grande Valley Sector"
    assert row["AOR (Abbv)"] == "RGV"
    assert row["Demographic"] == "FMUA"
    assert row["Citizenship"] == "HONDURAS"
    decision = record_family.decision
    assert row["Title of Authority"] == (
        "Title 42" if decision.authority == "title_42" else "Title 8"
    )
    assert row["Encounter Type"] == (
        "Expulsions" if decision.authority == "title_42" else "Apprehensions"
    )
    assert row["Encounter Count"] == "2"
    assert "María" not in out.getvalue() and "López" not in out.getvalue()


def test_demo_round_trip_through_asilo_stats_import(tmp_path: Path) -> None:
    encounters_demo.load()
    people = EncounterPerson.objects.count()
    assert people > 20
    expected = expected_by_demographic_and_authority()

    stats_app = typer.Typer()
    stats_app.add_typer(dashboards_cli.stats_app)
    stats_app.command("noop")(lambda: None)  # a group with two commands keeps its names
    exported = tmp_path / "asilo_export.csv"
    runner = CliRunner()
    result = runner.invoke(stats_app, ["export-encounters", "--out", str(exported)])
    assert result.exit_code == 0, result.output
    assert f"{people:,} encounters" in result.output

    db = tmp_path / "roundtrip.duckdb"
    imported = runner.invoke(asilo_app, ["stats", "import", str(exported), "--db", str(db)])
    assert imported.exit_code == 0, imported.output
    assert f"{people:,} encounters" in imported.output
    assert "nationwide_aor" in imported.output

    report = runner.invoke(
        asilo_app,
        [
            "stats", "report", "--db", str(db), "--region", "all",
            "--by", "demographic,title_of_authority", "--format", "json",
        ],
    )  # fmt: skip
    assert report.exit_code == 0, report.output
    got = Counter(
        {
            (r["demographic"], r["title_of_authority"]): r["encounters"]
            for r in json.loads(report.output)
        }
    )
    assert got == expected
    assert sum(got.values()) == people

    sectors = runner.invoke(
        asilo_app,
        ["stats", "report", "--db", str(db), "--by", "aor", "--format", "json"],
    )
    by_aor = {r["aor"]: r["encounters"] for r in json.loads(sectors.output)}
    places = Counter(EncounterPerson.objects.values_list("encounter__place_name", flat=True))
    assert by_aor["Rio Grande Valley Sector"] == places["Rio Grande Valley"]
    assert by_aor["El Paso Sector"] == places["El Paso"]
    assert by_aor["San Diego Field Office"] == places["San Ysidro"]
    assert by_aor["Laredo Field Office"] == places["Hidalgo"]


def test_export_command_rejects_bad_dates(tmp_path: Path) -> None:
    stats_app = typer.Typer()
    stats_app.add_typer(dashboards_cli.stats_app)
    stats_app.command("noop")(lambda: None)
    result = CliRunner().invoke(
        stats_app, ["export-encounters", "--out", str(tmp_path / "x.csv"), "--since", "May 1"]
    )
    assert result.exit_code == 2
    assert not (tmp_path / "x.csv").exists()


@pytest.mark.django_db
def test_export_command_refuses_an_output_it_cannot_write(tmp_path: Path) -> None:
    """Defect: a missing folder was created, and a folder as --out was named only by the
    system's message ("[Errno 21] Is a directory"). Now: exit 2 naming the file, nothing
    written."""
    stats_app = typer.Typer()
    stats_app.add_typer(dashboards_cli.stats_app)
    stats_app.command("noop")(lambda: None)
    nowhere = tmp_path / "nowhere"
    for out, message in (
        (nowhere / "x.csv", f"error: {nowhere / 'x.csv'}: the folder {nowhere} does not exist"),
        (tmp_path, f"error: {tmp_path}: is a folder, not a file"),
    ):
        result = CliRunner().invoke(stats_app, ["export-encounters", "--out", str(out)])
        assert result.exit_code == 2
        assert result.stderr == message + "\n"
        assert list(tmp_path.iterdir()) == []


def test_export_date_window(record_family: Any) -> None:
    out = io.StringIO()
    assert export_encounters(out, until=record_family.encounter_date).encounters == 2
    out = io.StringIO()
    later = record_family.encounter_date.replace(day=11)
    assert export_encounters(out, since=later).encounters == 0


def test_demo_loader_imports_cbp_files_once_and_replaces_the_export(
    tmp_path: Path, record_family: Any
) -> None:
    db = tmp_path / "demo.duckdb"
    first = stats_demo.load(db=db)
    assert sorted(first.cbp_files_imported) == sorted(
        p.name for p in stats_demo.CBP_DIR.glob("*.csv")
    )
    assert first.own_encounters == 2
    second = stats_demo.load(db=db)
    assert second.cbp_files_imported == []
    con = store.connect(db, read_only=True)
    try:
        names = [f.file_name for f in store.imported_files(con)]
        own = con.execute(
            "SELECT sum(e.encounters) FROM encounters e JOIN files f USING (file_id) "
            "WHERE file_name = ?",
            [EXPORT_FILE_NAME],
        ).fetchone()
    finally:
        con.close()
    assert names.count(EXPORT_FILE_NAME) == 1
    assert own == (2,)
