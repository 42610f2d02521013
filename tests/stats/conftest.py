"""Fixtures of the statistics tests: the repository's copy of the real CBP files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from asilo.stats import importer, store

REPO = Path(__file__).resolve().parents[2]
CBP = REPO / "data" / "real" / "cbp"
STATE_FILE = CBP / "cbp_nationwide_encounters_state_fy20_fy23.csv"
AOR_EXCERPT = CBP / "cbp_nationwide_encounters_aor_2020_apr_excerpt.csv"
STATE_FILE_FY22_FY25 = CBP / "cbp_nationwide_encounters_state_fy22_fy25.csv"

#: The header CBP prints on its Southwest Land Border Encounters file.
SOUTHWEST_HEADER = (
    "Fiscal Year,Month Grouping,Month (abbv),Component,Demographic,Citizenship Grouping,"
    "Title of Authority,Encounter Type,Encounter Count"
)


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = store.connect(tmp_path / "stats.duckdb")
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """Both real CBP files imported (the by-state file and the by-AOR April 2020 excerpt)."""
    connection = store.connect(tmp_path_factory.mktemp("real") / "stats.duckdb")
    importer.import_files(connection, [STATE_FILE, AOR_EXCERPT])
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """Every CBP file shipped in data/real/cbp imported, as the demo and the quick start do."""
    connection = store.connect(tmp_path_factory.mktemp("shipped") / "stats.duckdb")
    importer.import_files(connection, sorted(CBP.glob("*.csv")))
    yield connection
    connection.close()


def write(path: Path, lines: list[str], newline: str = "\n") -> Path:
    path.write_text(newline.join(lines) + newline, encoding="utf-8")
    return path


def real_lines(path: Path, count: int) -> list[str]:
    """The header and the first ``count`` data lines of a real file, line endings removed."""
    with path.open(encoding="utf-8", newline="") as f:
        return [next(f).rstrip("\r\n") for _ in range(count + 1)]
