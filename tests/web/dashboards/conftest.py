"""Fixtures of the statistics page tests: a DuckDB file with the repository's real CBP files."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from asilo.stats import importer, store

REPO = Path(__file__).resolve().parents[3]
CBP = REPO / "data" / "real" / "cbp"


@pytest.fixture(scope="session")
def cbp_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cbp") / "stats.duckdb"
    con = store.connect(path)
    importer.import_files(con, sorted(CBP.glob("*.csv")))
    con.close()
    return path


@pytest.fixture
def stats_db(cbp_db_template: Path, tmp_path: Path, settings: Any) -> Path:
    """A copy of the CBP database, configured as the page's ``ASILO_STATS_DB``."""
    path = tmp_path / "stats.duckdb"
    shutil.copy(cbp_db_template, path)
    settings.ASILO_STATS_DB = path
    return path


@pytest.fixture
def record_family(make_user: Any) -> Any:
    """A family encounter (mother and son, Rio Grande Valley, 2022-05-10) through the service."""
    from asilo.web.encounters import services

    officer = make_user("officer", "officer-stats")
    document = {
        "date": "2022-05-10",
        "time": "06:40",
        "place": {"kind": "between_ports", "name": "Rio Grande Valley"},
        "people": [
            {
                "age": 31,
                "nationality": "HND",
                "relationship": "parent",
                "given_names": "María",
                "first_surname": "López",
            },
            {"age": 7, "nationality": "HND", "given_names": "Dylan", "first_surname": "López"},
        ],
    }
    return services.encounter_record(
        actor=officer, prepared=services.prepare_encounter(document)
    ).encounter
