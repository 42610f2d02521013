"""Every ``asilo`` command that reads a file or an argument, against bad input (issue 11).

The command tree is walked from :data:`asilo.cli.registry.GROUPS`: every command is either in
:data:`FILE_INPUTS` (each file it reads, with a good file of its kind) or in :data:`NO_FILE`
(why it reads no file), so a new command fails :func:`test_every_command_is_swept` until it is
placed. Each file input gets the generic bad files (missing, a folder, unreadable, empty,
latin-1 and UTF-16 bytes, binary garbage, one huge line, a NUL byte) and the bad files of its
kind (a truncated line, wrong columns, a value out of range, a date in the wrong format). Each
must exit 2 with ``error:`` and the file's name (and the line where a line is to blame) on
standard error, no traceback, and change nothing: no output file, the database as it was.

The commands run in process through Typer's runner (fast); a few run as real processes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from asilo.cli.registry import GROUPS, build
from asilo.forecast import custody

REPO = Path(__file__).resolve().parents[2]
CBP = REPO / "data" / "real" / "cbp"
SCENARIO = REPO / "src" / "asilo" / "policy" / "scenarios" / "title42-ended-2021-01-20.yaml"
KEPT = custody.SCENARIOS / "title42-kept.yaml"
ASILO = Path(sys.executable).with_name("asilo")

ENCOUNTER = {
    "date": "2021-03-01",
    "place": {"kind": "between_ports", "name": "Rio Grande Valley"},
    "people": [{"age": 34, "nationality": "HND", "role": "adult", "relationship": None}],
    "unaccompanied": False,
    "mpp_case": None,
    "cbp_one_appointment": False,
    "title42_exception_granted": False,
    "fear_of_return_to_mexico_established": False,
    "asylum_denied_in_transit_country": False,
    "manifests_fear": True,
}
ENCOUNTER_JSON = json.dumps(ENCOUNTER).encode()
LINE = json.dumps(ENCOUNTER)
ENCOUNTER_LINES = f"{LINE}\n{LINE}\n".encode()

REGISTRATIONS = (
    b"registration_id,family_size,registered_on,tier,preferred_ports\n"
    b"F1,1,2023-01-10,2,\nF2,2,2023-01-05,2,El Paso\n"
)
CAPACITY = b"port,date,capacity\nSan Ysidro,2023-07-01,4\nEl Paso,2023-07-01,3\n"
CBP_FILE = (CBP / "cbp_nationwide_encounters_aor_2020_apr_excerpt.csv").read_bytes()
CBP_HEAD = b"\n".join(CBP_FILE.splitlines()[:4]) + b"\n"
OWN = (
    b"date,component,aor_name,aor_abbv,region,demographic,citizenship,authority,count\n"
    b"2021-03-01,OFO,Laredo Field Office,Laredo,southwest,single_adult,MEX,title_8,2\n"
)
TOTALS = (
    b"totals:\n  - name: SW FY2021\n    product: any\n"
    b"    filter: {region: southwest, fiscal_year: 2021}\n    expected: 1\n    source: a test\n"
)
ARRIVALS = b"date,place,count\n2023-05-01,Rio Grande Valley,100\n2023-05-02,Rio Grande Valley,90\n"
PLACES = b"place,capacity\nRio Grande Valley,600\n"
SECTOR = (
    b"\n".join(
        (CBP / "usbp_monthly_apprehensions_by_sector_fy2000_fy2020.psv")
        .read_bytes()
        .splitlines()[:40]
    )
    + b"\n"
)
RECORDS = (
    b"record_id,given_names,first_surname,second_surname,date_of_birth,sex,nationality,"
    b"a_number,document_number\n"
    b"R0000001,ALFREDO RONALD,JUAREZ,GODOY,1989-06-06,M,CUB,,\n"
    b"R0000002,Alejandra,Argueta,Toledo,1985-03-29,F,MEX,,\n"
    b"R0000003,Alejandra,Argueta,Toledo,1985-03-29,F,MEX,,\n"
)
TRUTH = b"record_id,true_identity_id\nR0000001,P1\nR0000002,P2\nR0000003,P2\n"
CLUSTERS = (
    b"record_id,identity_id,match_probability\nR0000001,I1,1.0\nR0000002,I2,0.9\nR0000003,I2,0.9\n"
)

#: The bad files every file input gets.
GENERIC = (
    "missing",
    "directory",
    "unreadable",
    "empty",
    "latin1",
    "utf16",
    "binary",
    "huge_line",
    "nul",
)
#: Bad files whose fault is on one line: a line-oriented input names it.
LINE_FAULTS = (
    "latin1",
    "nul",
    "huge_line",
    "truncated",
    "wrong_columns",
    "out_of_range",
    "bad_date",
)


@dataclass(frozen=True)
class FileInput:
    """One file a command reads: how to run the command with ``bad`` in its place."""

    name: str
    command: tuple[str, ...]
    args: Callable[[Path, Path], list[str]]  # (bad file, work folder) -> the arguments
    valid: bytes  # a good file of this kind (the generic bad files are made from it)
    specific: dict[str, bytes] = field(default_factory=dict)
    lines: bool = False  # a text file read by lines: a fault on a line names the line
    outputs: tuple[str, ...] = ()  # files in the work folder that must not appear
    database: bool = False  # the work folder's stats.duckdb must stay as it was
    #: generic bad files this input takes as good input, and why
    accepts: dict[str, str] = field(default_factory=dict)


def _cut(data: bytes) -> bytes:
    """The file cut in the middle of its last line."""
    body = data.rstrip(b"\n")
    last = body.rfind(b"\n")
    return body[: last + 1 + max(1, (len(body) - last) // 2)]


def _csv(data: bytes, old: bytes, new: bytes) -> bytes:
    assert old in data, old
    return data.replace(old, new, 1)


def _db(work: Path) -> Path:
    return work / "stats.duckdb"


FILE_INPUTS: tuple[FileInput, ...] = (
    FileInput(
        "decide FILE",
        ("decide",),
        lambda bad, work: [str(bad), "--format", "json"],
        ENCOUNTER_JSON,
        {
            "truncated": ENCOUNTER_JSON[:40],
            "out_of_range": ENCOUNTER_JSON.replace(b'"age": 34', b'"age": 340'),
            "bad_date": ENCOUNTER_JSON.replace(b"2021-03-01", b"03/01/2021"),
        },
    ),
    FileInput(
        "decide --batch",
        ("decide",),
        lambda bad, work: ["--batch", str(bad), "--format", "json"],
        ENCOUNTER_LINES,
        {
            "truncated": _cut(ENCOUNTER_LINES),
            "out_of_range": ENCOUNTER_LINES.replace(b'"age": 34', b'"age": -3', 1),
            "bad_date": ENCOUNTER_LINES.replace(b"2021-03-01", b"2021-13-01", 1),
        },
        lines=True,
        accepts={"empty": "no lines: no decisions"},
    ),
    FileInput(
        "decide --scenario",
        ("decide",),
        lambda bad, work: [str(work / "e.json"), "--scenario", str(bad)],
        SCENARIO.read_bytes(),
        {"truncated": SCENARIO.read_bytes()[:50]},
    ),
    FileInput(
        "eligibility mpp-winddown FILE",
        ("eligibility", "mpp-winddown"),
        lambda bad, work: [str(bad)],
        ENCOUNTER_JSON,
        {"truncated": ENCOUNTER_JSON[:40]},
    ),
    FileInput(
        "eligibility lawful-pathways FILE",
        ("eligibility", "lawful-pathways"),
        lambda bad, work: [str(bad)],
        ENCOUNTER_JSON,
        {"bad_date": ENCOUNTER_JSON.replace(b"2021-03-01", b"2021-02-30")},
    ),
    FileInput(
        "replay --encounters",
        ("replay",),
        lambda bad, work: ["--encounters", str(bad), "--scenario", str(SCENARIO)],
        ENCOUNTER_LINES,
        {"truncated": _cut(ENCOUNTER_LINES)},
        lines=True,
        accepts={"empty": "no encounters: nothing changes"},
    ),
    FileInput(
        "replay --scenario",
        ("replay",),
        lambda bad, work: ["--encounters", str(work / "e.jsonl"), "--scenario", str(bad)],
        SCENARIO.read_bytes(),
    ),
    FileInput(
        "stats import FILE",
        ("stats", "import"),
        lambda bad, work: [str(bad), "--db", str(_db(work))],
        CBP_HEAD,
        {
            "truncated": _cut(CBP_HEAD),
            "wrong_columns": CBP_HEAD.replace(b"fiscal_year,", b"year,", 1),
            "out_of_range": _csv(CBP_HEAD, b"Inadmissibles,1\n", b"Inadmissibles,-1\n"),
            "bad_date": _csv(CBP_HEAD, b"\n2020,FYTD,APR", b"\n2020,FYTD,XYZ"),
        },
        lines=True,
        database=True,
    ),
    FileInput(
        "stats import --db",
        ("stats", "import"),
        lambda bad, work: [str(work / "cbp.csv"), "--db", str(bad)],
        b"",
        accepts={"missing": "a new statistics database"},
    ),
    FileInput(
        "stats report --db",
        ("stats", "report"),
        lambda bad, work: ["--db", str(bad)],
        b"",
    ),
    FileInput(
        "stats files --db",
        ("stats", "files"),
        lambda bad, work: ["--db", str(bad)],
        b"",
    ),
    FileInput(
        "stats chart --db",
        ("stats", "chart"),
        lambda bad, work: ["--db", str(bad), "--out", str(work / "charts")],
        b"",
        outputs=("charts",),
    ),
    FileInput(
        "stats reconcile --totals",
        ("stats", "reconcile"),
        lambda bad, work: ["--totals", str(bad), "--db", str(_db(work))],
        TOTALS,
        {
            "truncated": TOTALS[:30],
            "out_of_range": TOTALS.replace(b"expected: 1", b"expected: -5"),
            "bad_date": TOTALS.replace(b"fiscal_year: 2021", b"fiscal_year: 21-22"),
        },
    ),
    FileInput(
        "stats reconcile --db",
        ("stats", "reconcile"),
        lambda bad, work: ["--db", str(bad)],
        b"",
    ),
    FileInput(
        "stats export RECORDS",
        ("stats", "export"),
        lambda bad, work: [str(bad), "--out", str(work / "out.csv")],
        OWN,
        {
            "truncated": _cut(OWN),
            "wrong_columns": OWN.replace(b"aor_name,", b"name,", 1),
            "out_of_range": OWN.replace(b"title_8,2\n", b"title_8,-2\n"),
            "bad_date": OWN.replace(b"2021-03-01", b"01/03/2021"),
        },
        lines=True,
        outputs=("out.csv",),
    ),
    FileInput(
        "schedule allocate --registrations",
        ("schedule", "allocate"),
        lambda bad, work: [
            "--registrations",
            str(bad),
            "--capacity",
            str(work / "cap.csv"),
            "--seed",
            "1",
            "--out",
            str(work / "out.csv"),
        ],
        REGISTRATIONS,
        {
            "truncated": _cut(REGISTRATIONS),
            "wrong_columns": REGISTRATIONS.replace(b"family_size", b"size", 1),
            "out_of_range": REGISTRATIONS.replace(b"F1,1,", b"F1,0,"),
            "bad_date": REGISTRATIONS.replace(b"2023-01-10", b"10/01/2023"),
        },
        lines=True,
        outputs=("out.csv",),
    ),
    FileInput(
        "schedule allocate --capacity",
        ("schedule", "allocate"),
        lambda bad, work: [
            "--registrations",
            str(work / "regs.csv"),
            "--capacity",
            str(bad),
            "--seed",
            "1",
            "--out",
            str(work / "out.csv"),
        ],
        CAPACITY,
        {
            "truncated": _cut(CAPACITY),
            "wrong_columns": CAPACITY.replace(b"capacity\n", b"seats\n", 1),
            "out_of_range": CAPACITY.replace(b",4\n", b",-4\n"),
            "bad_date": CAPACITY.replace(b"2023-07-01", b"2023-7-1", 1),
        },
        lines=True,
        outputs=("out.csv",),
    ),
    FileInput(
        "schedule allocate --method",
        ("schedule", "allocate"),
        lambda bad, work: [
            "--registrations",
            str(work / "regs.csv"),
            "--capacity",
            str(work / "cap.csv"),
            "--seed",
            "1",
            "--out",
            str(work / "out.csv"),
            "--method",
            str(bad),
        ],
        b"name: x\n",
        outputs=("out.csv",),
    ),
    FileInput(
        "identity link --records",
        ("identity", "link"),
        lambda bad, work: ["--records", str(bad), "--out", str(work / "C.csv")],
        RECORDS,
        {
            "truncated": _cut(RECORDS),
            "wrong_columns": RECORDS.replace(b"record_id,", b"id,", 1),
            "bad_date": RECORDS.replace(b"1989-06-06", b"06/06/1989"),
        },
        lines=True,
        outputs=("C.csv",),
    ),
    FileInput(
        "identity link --model",
        ("identity", "link"),
        lambda bad, work: [
            "--records",
            str(work / "R.csv"),
            "--out",
            str(work / "C.csv"),
            "--model",
            str(bad),
        ],
        b"{}",
        {"truncated": b'{"m": '},
        outputs=("C.csv",),
    ),
    FileInput(
        "identity evaluate --truth",
        ("identity", "evaluate"),
        lambda bad, work: [
            "--records",
            str(work / "R.csv"),
            "--truth",
            str(bad),
            "--clusters",
            str(work / "clusters.csv"),
        ],
        TRUTH,
        {"truncated": _cut(TRUTH), "wrong_columns": TRUTH.replace(b"record_id", b"rid", 1)},
        lines=True,
    ),
    FileInput(
        "identity evaluate --clusters",
        ("identity", "evaluate"),
        lambda bad, work: [
            "--records",
            str(work / "R.csv"),
            "--truth",
            str(work / "T.csv"),
            "--clusters",
            str(bad),
        ],
        CLUSTERS,
        {
            "truncated": _cut(CLUSTERS),
            "wrong_columns": CLUSTERS.replace(b"identity_id", b"who", 1),
            "out_of_range": CLUSTERS.replace(b"I1,1.0", b"I1,7.5"),
        },
        lines=True,
    ),
    FileInput(
        "identity train --records",
        ("identity", "train"),
        lambda bad, work: ["--records", str(bad), "--out", str(work / "model.json")],
        RECORDS,
        {"wrong_columns": RECORDS.replace(b"record_id,", b"id,", 1)},
        lines=True,
        outputs=("model.json",),
    ),
    FileInput(
        "users create --password-file",
        ("users", "create"),
        lambda bad, work: [
            "--username",
            "sweep.user",
            "--role",
            "officer",
            "--password-file",
            str(bad),
        ],
        b"a long enough password 1\n",
        accepts={"huge_line": "a long password is the accounts service's to refuse"},
    ),
    FileInput(
        "forecast encounters --sector-file",
        ("forecast", "encounters"),
        lambda bad, work: [
            "--series",
            "sector=tucson",
            "--horizon",
            "2",
            "--models",
            "SeasonalNaive",
            "--sector-file",
            str(bad),
        ],
        SECTOR,
        {
            "truncated": _cut(SECTOR),
            "wrong_columns": SECTOR.replace(b"month|", b"mes|", 1),
            "out_of_range": SECTOR.replace(b"\n11|", b"\n19|", 1),
        },
        lines=True,
    ),
    FileInput(
        "forecast encounters --db",
        ("forecast", "encounters"),
        lambda bad, work: ["--series", "region=southwest", "--horizon", "2", "--db", str(bad)],
        b"",
    ),
    FileInput(
        "forecast backtest --db",
        ("forecast", "backtest"),
        lambda bad, work: [
            "--series",
            "region=southwest",
            "--origins",
            "2",
            "--db",
            str(bad),
        ],
        b"",
    ),
    FileInput(
        "forecast custody --scenario",
        ("forecast", "custody"),
        lambda bad, work: [
            "--scenario",
            str(bad),
            "--from",
            "2023-05-01",
            "--to",
            "2023-05-03",
            "--arrivals",
            str(work / "arrivals.csv"),
            "--db",
            str(work / "none.duckdb"),
        ],
        KEPT.read_bytes(),
        {"truncated": KEPT.read_bytes()[:40]},
    ),
    FileInput(
        "forecast custody --arrivals",
        ("forecast", "custody"),
        lambda bad, work: [
            "--scenario",
            str(KEPT),
            "--from",
            "2023-05-01",
            "--to",
            "2023-05-03",
            "--arrivals",
            str(bad),
            "--db",
            str(work / "none.duckdb"),
        ],
        ARRIVALS,
        {
            "truncated": _cut(ARRIVALS),
            "wrong_columns": ARRIVALS.replace(b"count", b"people", 1),
            "out_of_range": ARRIVALS.replace(b",100\n", b",-100\n"),
            "bad_date": ARRIVALS.replace(b"2023-05-01", b"May 1"),
        },
        lines=True,
    ),
    FileInput(
        "forecast custody --capacity",
        ("forecast", "custody"),
        lambda bad, work: [
            "--scenario",
            str(KEPT),
            "--from",
            "2023-05-01",
            "--to",
            "2023-05-03",
            "--arrivals",
            str(work / "arrivals.csv"),
            "--capacity",
            str(bad),
            "--db",
            str(work / "none.duckdb"),
        ],
        PLACES,
        {
            "wrong_columns": PLACES.replace(b"capacity", b"beds", 1),
            "out_of_range": PLACES.replace(b",600", b",-600"),
        },
        lines=True,
    ),
    FileInput(
        "forecast custody --parameters",
        ("forecast", "custody"),
        lambda bad, work: [
            "--scenario",
            str(KEPT),
            "--from",
            "2023-05-01",
            "--to",
            "2023-05-03",
            "--arrivals",
            str(work / "arrivals.csv"),
            "--parameters",
            str(bad),
            "--db",
            str(work / "none.duckdb"),
        ],
        custody.PARAMETERS.read_bytes(),
        {
            "truncated": custody.PARAMETERS.read_bytes()[:300],
            "out_of_range": custody.PARAMETERS.read_bytes().replace(b"hours: 72", b"hours: -72", 1),
        },
    ),
    FileInput(
        "forecast queue --registrations",
        ("forecast", "queue"),
        lambda bad, work: [
            "--registrations",
            str(bad),
            "--capacity",
            str(work / "cap.csv"),
            "--runs",
            "2",
        ],
        REGISTRATIONS,
        {
            "wrong_columns": REGISTRATIONS.replace(b"family_size", b"size", 1),
            "bad_date": REGISTRATIONS.replace(b"2023-01-10", b"10/01/2023"),
        },
        lines=True,
    ),
    FileInput(
        "forecast queue --capacity",
        ("forecast", "queue"),
        lambda bad, work: [
            "--registrations",
            str(work / "regs.csv"),
            "--capacity",
            str(bad),
            "--runs",
            "2",
        ],
        CAPACITY,
        {"out_of_range": CAPACITY.replace(b",4\n", b",-4\n")},
        lines=True,
    ),
)

#: Commands that read no file, and what they read instead (their arguments are swept in
#: :data:`ARGUMENTS` where they take a date or a number).
NO_FILE: dict[tuple[str, ...], str] = {
    ("policies",): "the shipped catalogue; --on/--between dates",
    ("refugee-ceiling",): "the shipped catalogue; a fiscal year and --on date",
    ("serve",): "the configured database",
    ("openapi",): "nothing",
    ("stats", "export-encounters"): "the configured database; writes --out",
    ("schedule", "run"): "the configured database",
    ("schedule", "verify-run"): "the configured database; writes --export",
    ("schedule", "close-day"): "the configured database; a --date",
    ("outbox", "deliver"): "the configured database",
    ("token", "create"): "the configured database",
    ("registrations", "programs"): "the configured database",
    ("registrations", "reevaluate"): "the configured database; an --on date",
    ("custody", "check"): "the configured database",
    ("custody", "standard-report"): "the configured database",
    ("identity", "synth"): "nothing; writes --out and --truth",
    ("identity", "run"): "the configured database",
    ("identity", "labels"): "the configured database; writes --truth and --clusters",
    ("audit", "verify"): "the configured database",
}

#: Bad arguments (not files): the command, its arguments, and what the message must name.
ARGUMENTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("policies", "--on", "2021-13-01"), "--on"),
    (("policies", "--on", "01/03/2021"), "--on"),
    (("policies", "--between", "2021-01-01", "2020-99-99"), "--between"),
    (("refugee-ceiling", "FY99999"), "FY"),
    (("refugee-ceiling", "2021", "--on", "yesterday"), "--on"),
    (("refugee-ceiling", "2021", "--region", "\x00"), "region"),
    (("schedule", "close-day", "--date", "2023-02-30"), "date"),
    (("registrations", "reevaluate", "--program", "x", "--on", "tomorrow"), "on"),
    (("stats", "report", "--by", "nonsense"), "nonsense"),
    (("stats", "report", "--fiscal-year", "99999999999999999999"), "fiscal"),
    (("stats", "export-encounters", "--out", "x.csv", "--since", "2021-1-1"), "YYYY-MM-DD"),
    (("forecast", "encounters", "--series", "region=southwest", "--horizon", "999"), "horizon"),
    (
        (
            "forecast",
            "encounters",
            "--series",
            "region=southwest",
            "--horizon",
            "2",
            "--from",
            "2023/01",
        ),
        "from",
    ),
    (
        (
            "forecast",
            "custody",
            "--scenario",
            str(KEPT),
            "--from",
            "2023-05-01",
            "--to",
            "2023-02-31",
            "--from-forecast",
            "--place",
            "Tucson",
        ),
        "to",
    ),
    (
        (
            "forecast",
            "queue",
            "--registrations",
            "r.csv",
            "--capacity",
            "c.csv",
            "--from",
            "2023/05/01",
        ),
        "from",
    ),
)


def _commands(group: typer.Typer | object, prefix: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    for name, command in getattr(group, "commands", {}).items():
        path = (*prefix, name)
        if hasattr(command, "commands"):
            yield from _commands(command, path)
        else:
            yield path


def test_every_command_is_swept() -> None:
    tree = set(_commands(typer.main.get_command(build()), ()))
    swept = {i.command for i in FILE_INPUTS} | set(NO_FILE)
    assert tree - swept == set(), "a command neither in FILE_INPUTS nor in NO_FILE"
    assert swept - tree == set(), "a swept command that no longer exists"
    assert set(GROUPS) >= {c[0] for c in tree if len(c) > 1}


def _unreadable(path: Path) -> Path:
    """A file that cannot be opened for reading: mode 000, or (as root, who reads anything)
    a Unix socket (opening one fails with ENXIO)."""
    if os.geteuid() != 0:
        path.write_bytes(b"x")
        path.chmod(0)
        return path
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(path))
    sock.close()
    return path


def _bad_file(case: str, item: FileInput, folder: Path) -> Path:
    suffix = {True: ".csv"}.get(item.lines, ".txt")
    path = folder / f"bad-{case.replace('_', '-')}{suffix}"
    valid = item.valid
    second = valid.find(b"\n") + 1 or min(1, len(valid))
    if case == "missing":
        return path
    if case == "directory":
        path.mkdir()
        return path
    if case == "unreadable":
        return _unreadable(path)
    content = {
        "empty": b"",
        "latin1": valid[:second] + b"Jos\xe9 \xd1u\xf1ez," + valid[second:],
        "utf16": valid.decode("utf-8", "replace").encode("utf-16"),
        "binary": bytes(range(256)) * 8 + b"\x89PNG\r\n\x1a\n" * 4,
        "huge_line": valid + b"A" * 140_000 + b"\n",
        "nul": valid[:second] + b"\x00" + valid[second:],
    }.get(case)
    if content is None:
        content = item.specific[case]
    path.write_bytes(content)
    return path


def _snapshot(work: Path) -> dict[str, str]:
    """Every file in the work folder with the hash of its content."""
    return {
        str(p.relative_to(work)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(work.rglob("*"))
        if p.is_file() and not p.name.startswith("bad-")
    }


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The good inputs every sweep case shares, and a small statistics database."""
    # A short folder: a Unix socket's path is limited to about 100 bytes.
    folder = Path(tempfile.mkdtemp(prefix="asilo-sweep-"))
    (folder / "e.json").write_bytes(ENCOUNTER_JSON)
    (folder / "e.jsonl").write_bytes(ENCOUNTER_LINES)
    (folder / "regs.csv").write_bytes(REGISTRATIONS)
    (folder / "cap.csv").write_bytes(CAPACITY)
    (folder / "cbp.csv").write_bytes(CBP_HEAD)
    (folder / "arrivals.csv").write_bytes(ARRIVALS)
    (folder / "R.csv").write_bytes(RECORDS)
    (folder / "T.csv").write_bytes(TRUTH)
    (folder / "clusters.csv").write_bytes(CLUSTERS)
    from asilo.stats import importer, store

    con = store.connect(_db(folder))
    importer.import_files(con, [folder / "cbp.csv"])
    con.close()
    yield folder
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


APP = build()
RUNNER = CliRunner()

CASES = [
    pytest.param(item, case, id=f"{item.name}:{case}")
    for item in FILE_INPUTS
    for case in (*GENERIC, *item.specific)
    if case not in item.accepts
]


def _check(item: FileInput, case: str, bad: Path, code: int, stdout: str, stderr: str) -> None:
    said = f"{stdout}\n{stderr}"
    assert "Traceback" not in said, said[-3000:]
    assert code == 2, f"exit {code}\n{said[-3000:]}"
    assert "error:" in stderr, stderr
    assert bad.name in stderr, f"the message does not name the file:\n{stderr}"
    if item.lines and case in LINE_FAULTS:
        assert re.search(r"(line \d+|:\d+:|:\d+\b)", stderr), f"no line named:\n{stderr}"


@pytest.mark.parametrize(("item", "case"), CASES)
def test_bad_file_exits_2_naming_it_and_changes_nothing(
    item: FileInput, case: str, work: Path
) -> None:
    folder = Path(tempfile.mkdtemp(prefix="b-", dir=work))
    bad = _bad_file(case, item, folder)
    before = _snapshot(work)
    result = RUNNER.invoke(APP, [*item.command, *item.args(bad, work)], catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{type(result.exception).__name__}: {result.exception}")
    _check(item, case, bad, result.exit_code, result.stdout, result.stderr)
    assert _snapshot(work) == before, "the command changed a file"
    for name in item.outputs:
        assert not (work / name).exists(), f"{name} was written"
    assert not [p for p in folder.iterdir() if p != bad], "a file was left beside the input"


@pytest.mark.parametrize(("args", "named"), ARGUMENTS, ids=[" ".join(a) for a, _ in ARGUMENTS])
def test_bad_argument_exits_2_naming_it(args: tuple[str, ...], named: str, work: Path) -> None:
    result = RUNNER.invoke(APP, list(args), catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{type(result.exception).__name__}: {result.exception}")
    said = f"{result.stdout}\n{result.stderr}"
    assert "Traceback" not in said
    assert result.exit_code == 2, said
    assert named.lower() in result.stderr.lower(), result.stderr


@pytest.mark.parametrize(
    ("command", "case"),
    [
        (("decide", "--batch"), "utf16"),
        (("stats", "import"), "binary"),
        (("schedule", "allocate", "--registrations"), "nul"),
    ],
)
def test_real_processes_exit_2_without_a_traceback(
    command: tuple[str, ...], case: str, work: Path
) -> None:
    item = next(
        i
        for i in FILE_INPUTS
        if i.command == command[: len(i.command)]
        and (len(command) == len(i.command) or command[-1] in i.name)
    )
    folder = Path(tempfile.mkdtemp(prefix="p-", dir=work))
    bad = _bad_file(case, item, folder)
    before = _snapshot(work)
    done = subprocess.run(
        [str(ASILO), *item.command, *item.args(bad, work)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    _check(item, case, bad, done.returncode, done.stdout, done.stderr)
    assert _snapshot(work) == before
