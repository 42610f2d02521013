"""Fixtures of the forecast page tests: the real CBP files in a DuckDB file."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from asilo.stats import importer, store

CBP = Path(__file__).resolve().parents[3] / "data" / "real" / "cbp"


@pytest.fixture(scope="session")
def forecast_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("forecast-cbp") / "stats.duckdb"
    con = store.connect(path)
    importer.import_files(con, sorted(CBP.glob("*.csv")))
    con.close()
    return path


@pytest.fixture
def stats_db(forecast_db_template: Path, tmp_path: Path, settings: Any) -> Path:
    path = tmp_path / "stats.duckdb"
    shutil.copy(forecast_db_template, path)
    settings.ASILO_STATS_DB = path
    return path
