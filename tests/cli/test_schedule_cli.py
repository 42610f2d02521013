"""``asilo schedule allocate``: the command-line contract of issue 5.

Most tests drive the command through typer's runner on an app holding only this part's
commands (so another part's half-written commands cannot hide a failure here); one test runs the
installed ``asilo`` executable end to end.
"""

from __future__ import annotations

import csv
import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from asilo.cli import schedule_cmds

CAPACITY = """port,date,capacity
San Ysidro,2023-07-01,4
El Paso,2023-07-01,3
San Ysidro,2023-07-02,4
El Paso,2023-07-02,3
"""
REGISTRATIONS = """registration_id,family_size,registered_on,tier,preferred_ports
F1,1,2023-01-10,2,
F2,2,2023-01-05,2,
F3,2,2023-02-01,2,
F4,3,2023-01-05,2,El Paso
F5,1,2023-03-01,2,
F6,1,2023-02-15,2,San Ysidro
V1,3,2023-02-01,1,El Paso;San Ysidro
V2,2,2023-01-01,1,El Paso
U1,5,2023-06-01,0,
"""
# Worked by hand in tests/scheduling/test_scheduling_examples.py and docs/allocation-method.md.
EXPECTED = """registration_id,priority_rank,port,date
U1,1,,
V2,2,El Paso,2023-07-01
V1,3,San Ysidro,2023-07-01
F2,4,San Ysidro,2023-07-02
F6,5,San Ysidro,2023-07-01
F4,6,El Paso,2023-07-02
F3,7,San Ysidro,2023-07-02
F1,8,El Paso,2023-07-01
F5,9,,
"""


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(schedule_cmds.schedule_app, name="schedule")

    @app.command("version")
    def version() -> None:  # a second command, so that "schedule" stays a sub-command
        """Unused."""

    return app


def run(
    app: typer.Typer, tmp_path: Path, regs: str, cap: str, *extra: str, seed: str = "7"
) -> tuple[int, str, str, Path]:
    (tmp_path / "regs.csv").write_text(regs, encoding="utf-8", errors="surrogateescape")
    (tmp_path / "cap.csv").write_text(cap, encoding="utf-8", errors="surrogateescape")
    out = tmp_path / "appointments.csv"
    result = CliRunner().invoke(
        app,
        [
            "schedule",
            "allocate",
            "--registrations",
            str(tmp_path / "regs.csv"),
            "--capacity",
            str(tmp_path / "cap.csv"),
            "--seed",
            seed,
            "--out",
            str(out),
            *extra,
        ],
    )
    return result.exit_code, result.stdout, result.stderr, out


def test_allocates_the_worked_example(app: typer.Typer, tmp_path: Path) -> None:
    code, stdout, stderr, out = run(app, tmp_path, REGISTRATIONS, CAPACITY)
    assert (code, stderr) == (0, "")
    assert out.read_text(encoding="utf-8") == EXPECTED
    assert "fair version 2023.1" in stdout
    assert "seed 7" in stdout
    # The capacity file is canonical, so its digest is the sha256sum of the file.
    assert hashlib.sha256(CAPACITY.encode()).hexdigest() in stdout
    # San Ysidro: V1, F2, F6, F3 (3+2+1+2); El Paso: V2, F4, F1 (2+3+1); left: U1, F5 (5+1).
    assert summary_row(stdout, "San Ysidro") == ["4", "8"]
    assert summary_row(stdout, "El Paso") == ["3", "6"]
    assert summary_row(stdout, "all ports") == ["7", "14"]
    assert summary_row(stdout, "unallocated") == ["2", "6"]


def summary_row(stdout: str, label: str) -> list[str]:
    """The families and persons columns of one row of the summary table."""
    for line in stdout.splitlines():
        cells = [cell.strip() for cell in line.split("│")]
        if len(cells) == 5 and cells[1] == label:
            return cells[2:4]
    raise AssertionError(f"no summary row {label!r} in:\n{stdout}")


def test_same_seed_same_file_and_another_seed_another_order(
    app: typer.Typer, tmp_path: Path
) -> None:
    many = "registration_id,family_size,registered_on,tier,preferred_ports\n" + "".join(
        f"R{k:02d},1,2023-01-01,2,\n" for k in range(20)
    )
    code, _, _, out = run(app, tmp_path, many, CAPACITY)
    first = out.read_text(encoding="utf-8")
    code_again, _, _, out = run(app, tmp_path, many, CAPACITY)
    assert (code, code_again) == (0, 0)
    assert out.read_text(encoding="utf-8") == first
    run(app, tmp_path, many, CAPACITY, seed="8")
    assert out.read_text(encoding="utf-8") != first


def test_another_method_file(app: typer.Typer, tmp_path: Path) -> None:
    published = Path(schedule_cmds.__file__).parents[1] / "scheduling/methods/fair-2023.1.yaml"
    text = published.read_text(encoding="utf-8")
    longest_waiting_only = text.replace("  lottery: 1\n", "  lottery: 0\n").replace(
        'version: "2023.1"', 'version: "test"'
    )
    method = tmp_path / "method.yaml"
    method.write_text(longest_waiting_only, encoding="utf-8")
    code, stdout, _, out = run(app, tmp_path, REGISTRATIONS, CAPACITY, "--method", str(method))
    assert code == 0
    ranked = [row["registration_id"] for row in csv.DictReader(out.open(encoding="utf-8"))]
    assert ranked == ["U1", "V2", "V1", "F2", "F4", "F1", "F3", "F6", "F5"]
    assert "version test" in stdout


BAD_INPUTS = [
    # (which file, the broken text, expected line, expected column, words in the message)
    ("regs", REGISTRATIONS.replace(",tier,", ",level,"), 1, "level", "unknown column"),
    (
        "regs",
        REGISTRATIONS.replace(",tier,preferred_ports", ",preferred_ports").replace(",2,\n", ",\n"),
        1,
        "tier",
        "missing column",
    ),
    ("cap", CAPACITY.replace("port,date,capacity", "port,date"), 1, "capacity", "missing column"),
    ("regs", REGISTRATIONS.replace("2023-01-05,2,El", "2023-02-30,2,El"), 5, "registered_on", ""),
    ("regs", REGISTRATIONS.replace("2023-03-01", "01/03/2023"), 6, "registered_on", "YYYY-MM-DD"),
    ("cap", CAPACITY.replace("2023-07-02,3", "2023-7-2,3"), 5, "date", "YYYY-MM-DD"),
    ("regs", REGISTRATIONS.replace("F3,2,", "F3,two,"), 4, "family_size", "whole number"),
    ("regs", REGISTRATIONS.replace("F3,2,", "F3,2.0,"), 4, "family_size", "whole number"),
    ("cap", CAPACITY.replace("El Paso,2023-07-01,3", "El Paso,2023-07-01,-3"), 3, "capacity", ""),
    ("cap", CAPACITY.replace("El Paso,2023-07-01,3", "El Paso,2023-07-01,1.5"), 3, "capacity", ""),
    ("regs", REGISTRATIONS.replace("F5,1,", "F5,0,"), 6, "family_size", "below 1"),
    ("regs", REGISTRATIONS.replace("2023-03-01,2", "2023-03-01,3"), 6, "tier", "unknown tier 3"),
    ("regs", REGISTRATIONS.replace("2023-03-01,2", "2023-03-01,-1"), 6, "tier", "whole number"),
    ("regs", REGISTRATIONS.replace(";San Ysidro", ";Laredo"), 8, "preferred_ports", "Laredo"),
    ("regs", REGISTRATIONS.replace("2,El Paso\n", "2,El Paso;\n"), 5, "preferred_ports", "empty"),
    ("regs", REGISTRATIONS.replace(";San Ysidro", ";El Paso"), 8, "preferred_ports", "twice"),
    ("regs", REGISTRATIONS.replace("F5,", "F2,"), 6, "registration_id", "first on line 3"),
    ("regs", REGISTRATIONS.replace("F5,", "F 5,"), 6, "registration_id", "not a registration"),
    ("cap", CAPACITY + "El Paso,2023-07-01,9\n", 6, "date", "first on line 3"),
    ("regs", REGISTRATIONS.replace("F5,1,2023-03-01,2,", "F5,1,2023-03-01"), 6, "tier", "fields"),
    (
        "regs",
        REGISTRATIONS.replace("F5,1,2023-03-01,2,", "F5,1,2023-03-01,2,,x"),
        6,
        None,
        "6 fields",
    ),
    ("regs", "", 1, None, "empty"),
    ("regs", REGISTRATIONS.replace("F6,", "F6\udcff,"), 7, None, "not UTF-8"),
    ("regs", REGISTRATIONS.replace("F6,1,", 'F6,"1,'), 7, None, "not valid CSV"),
    ("cap", CAPACITY.replace("El Paso,2023-07-01", ",2023-07-01"), 3, "port", "empty"),
    ("cap", CAPACITY.replace("El Paso,2023-07-01", "El;Paso,2023-07-01"), 3, "port", "';'"),
]


@pytest.mark.parametrize(("which", "text", "line", "column", "words"), BAD_INPUTS)
def test_malformed_input_names_file_line_and_column_and_writes_nothing(
    app: typer.Typer,
    tmp_path: Path,
    which: str,
    text: str,
    line: int,
    column: str | None,
    words: str,
) -> None:
    regs, cap = (text, CAPACITY) if which == "regs" else (REGISTRATIONS, text)
    code, stdout, stderr, out = run(app, tmp_path, regs, cap)
    assert code == 2
    where = f"{tmp_path / (which + '.csv')}, line {line}"
    if column is not None:
        where += f", column {column}"
    assert where in stderr
    assert words in stderr
    assert not out.exists()
    assert {p.name for p in tmp_path.iterdir()} == {"regs.csv", "cap.csv"}  # no temporary left
    assert stdout == ""


def test_an_error_leaves_an_existing_output_file_untouched(
    app: typer.Typer, tmp_path: Path
) -> None:
    out = tmp_path / "appointments.csv"
    out.write_text("yesterday's run\n", encoding="utf-8")
    code, _, _, _ = run(app, tmp_path, REGISTRATIONS.replace("F5,1,", "F5,x,"), CAPACITY)
    assert code == 2
    assert out.read_text(encoding="utf-8") == "yesterday's run\n"


def test_a_bad_method_file_a_missing_input_and_a_negative_seed(
    app: typer.Typer, tmp_path: Path
) -> None:
    method = tmp_path / "method.yaml"
    method.write_text("name: x\n", encoding="utf-8")
    code, _, stderr, out = run(app, tmp_path, REGISTRATIONS, CAPACITY, "--method", str(method))
    assert code == 2 and "method.yaml" in stderr and "horizon_days" in stderr
    assert not out.exists()
    (tmp_path / "regs.csv").unlink()
    result = CliRunner().invoke(
        app,
        [
            "schedule",
            "allocate",
            "--registrations",
            str(tmp_path / "absent.csv"),
            "--capacity",
            str(tmp_path / "cap.csv"),
            "--seed",
            "1",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 2 and "absent.csv, line 1" in result.stderr
    code, _, _, out = run(app, tmp_path, REGISTRATIONS, CAPACITY, seed="-1")
    assert code == 2
    assert not out.exists()


def test_an_output_folder_that_does_not_exist(app: typer.Typer, tmp_path: Path) -> None:
    (tmp_path / "regs.csv").write_text(REGISTRATIONS, encoding="utf-8")
    (tmp_path / "cap.csv").write_text(CAPACITY, encoding="utf-8")
    result = CliRunner().invoke(
        app,
        [
            "schedule",
            "allocate",
            "--registrations",
            str(tmp_path / "regs.csv"),
            "--capacity",
            str(tmp_path / "cap.csv"),
            "--seed",
            "1",
            "--out",
            str(tmp_path / "nowhere" / "out.csv"),
        ],
    )
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_the_installed_asilo_command(tmp_path: Path) -> None:
    (tmp_path / "regs.csv").write_text(REGISTRATIONS, encoding="utf-8")
    (tmp_path / "cap.csv").write_text(CAPACITY, encoding="utf-8")
    asilo = Path(sys.executable).parent / "asilo"
    args = [str(asilo), "schedule", "allocate", "--registrations", "regs.csv"]
    args += ["--capacity", "cap.csv", "--seed", "7", "--out", "out.csv"]
    done = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.csv").read_text(encoding="utf-8") == EXPECTED
    bad = subprocess.run(
        [*args[:4], "cap.csv", *args[5:]], cwd=tmp_path, capture_output=True, text=True
    )
    assert bad.returncode == 2
    assert "cap.csv, line 1, column port: unknown column" in bad.stderr
