"""Issue 11: statistics imports go into a copy of the store that replaces it whole and at once.

A failed import, and an import killed with ``kill -9`` in the middle, leave the live database
byte for byte as it was; the next import removes the killed one's copy. (The statistics page
answering with the old figures while an import runs is tested in
``tests/web/dashboards/test_dashboards_statistics_swap.py``.)
"""

from __future__ import annotations

import hashlib
import importlib.util
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

from asilo.stats import importer, reports, store

REPO = Path(__file__).resolve().parents[2]
CBP = REPO / "data" / "real" / "cbp"
AOR_EXCERPT = CBP / "cbp_nationwide_encounters_aor_2020_apr_excerpt.csv"
STATE_FILE = CBP / "cbp_nationwide_encounters_state_fy20_fy23.csv"
ASILO = Path(sys.executable).with_name("asilo")


def _benchmark() -> ModuleType:
    """benchmarks/stats.py, for its seeded generator of by-AOR files."""
    spec = importlib.util.spec_from_file_location("stats_bench", REPO / "benchmarks" / "stats.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def larger_file(path: Path, rows: int = 300_000) -> Path:
    """A synthetic by-AOR CBP file of ``rows`` rows (deterministic)."""
    _benchmark().generate(path, rows, 20260101)
    return path


def copies(db: Path) -> list[Path]:
    """The import copies beside ``db``."""
    return sorted(db.parent.glob(f".{db.name}.import-*"))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _totals(db: Path) -> list[dict[str, object]]:
    con = store.connect(db, read_only=True)
    try:
        return reports.totals(con, reports.Query(by=reports.dimensions(["fiscal_year"])))
    finally:
        con.close()


def test_an_import_replaces_the_file_and_leaves_no_copy(tmp_path: Path) -> None:
    db = tmp_path / "stats.duckdb"
    importer.import_store(db, [AOR_EXCERPT])
    first = db.stat().st_ino
    report = importer.import_store(db, [STATE_FILE])
    assert [f.file_name for f in report.files] == [STATE_FILE.name]
    assert db.stat().st_ino != first  # a new file, renamed into place
    con = store.connect(db, read_only=True)
    names = {f.file_name for f in store.imported_files(con)}
    con.close()
    assert names == {AOR_EXCERPT.name, STATE_FILE.name}  # the earlier import is kept
    assert copies(db) == [] and not db.with_name(db.name + ".wal").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stats.duckdb"]


def test_an_import_keeps_the_stores_permissions(tmp_path: Path) -> None:
    """Defect: the copy was made with a new file's mode, so a store the operator had made
    readable by its owner only (0600) became 0644 after the next import."""
    db = tmp_path / "stats.duckdb"
    importer.import_store(db, [AOR_EXCERPT])
    db.chmod(0o600)
    importer.import_store(db, [STATE_FILE])
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    assert copies(db) == []


def test_a_failed_import_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "stats.duckdb"
    importer.import_store(db, [AOR_EXCERPT])
    before = _sha(db)
    bad = tmp_path / "bad.csv"
    lines = STATE_FILE.read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join([*lines[:50], lines[50].replace(",", ",x,", 1)]) + "\n")
    with pytest.raises(importer.ImportFailed):
        importer.import_store(db, [STATE_FILE, bad])
    assert _sha(db) == before
    assert copies(db) == []


def test_an_import_killed_in_the_middle_leaves_the_old_store_whole(tmp_path: Path) -> None:
    db = tmp_path / "stats.duckdb"
    importer.import_store(db, [AOR_EXCERPT])
    before, figures = _sha(db), _totals(db)
    big = larger_file(tmp_path / "synthetic_aor.csv")
    process = subprocess.Popen(
        [str(ASILO), "stats", "import", str(big), "--db", str(db)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not copies(db) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(0.2)  # well into the import
        assert process.poll() is None, "the import ended before it could be killed"
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert _sha(db) == before
    assert _totals(db) == figures
    assert copies(db), "the killed import's copy is left (removed by the next import)"
    importer.import_store(db, [STATE_FILE])
    assert copies(db) == []
    assert _totals(db) != figures
