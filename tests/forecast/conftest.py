"""Fixtures of the forecast tests: the real by-state CBP file in a throwaway store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from asilo.stats import importer, store

REPO = Path(__file__).resolve().parents[2]
CBP = REPO / "data" / "real" / "cbp"
STATE_FILES = sorted(CBP.glob("cbp_nationwide_encounters_state_*.csv"))
SECTOR_FILE = CBP / "usbp_monthly_apprehensions_by_sector_fy2000_fy2020.psv"


@pytest.fixture(scope="session")
def stats_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("forecast") / "stats.duckdb"
    connection = store.connect(path)
    importer.import_files(connection, STATE_FILES)
    connection.close()
    return path


@pytest.fixture
def con(stats_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = store.connect(stats_db, read_only=True)
    yield connection
    connection.close()
