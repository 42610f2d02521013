"""Issue 11: the statistics page answers while an import runs (it answered 503: the import
held DuckDB's write lock on the very file the page reads).

``asilo stats import`` of a larger file runs in another process; meanwhile the page and its
CSV download (the machine-readable figures) answer 200 with the old figures, then the new ones
once the import has swapped its copy in.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from asilo.stats import importer

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[3]
AOR_EXCERPT = REPO / "data" / "real" / "cbp" / "cbp_nationwide_encounters_aor_2020_apr_excerpt.csv"
ASILO = Path(sys.executable).with_name("asilo")


def larger_file(path: Path, rows: int = 300_000) -> Path:
    """A synthetic by-AOR CBP file of ``rows`` rows (benchmarks/stats.py's seeded generator)."""
    spec = importlib.util.spec_from_file_location("stats_bench", REPO / "benchmarks" / "stats.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.generate(path, rows, 20260101)
    return path


def copies(db: Path) -> list[Path]:
    """The import copies beside ``db`` (present while an import runs)."""
    return sorted(db.parent.glob(f".{db.name}.import-*"))


URL = "/statistics/"


def test_the_page_answers_with_the_old_figures_during_an_import_then_the_new(
    tmp_path: Path,
    settings: Any,
    make_user: Callable[..., Any],
    client_as: Callable[..., Client],
) -> None:
    db = tmp_path / "stats.duckdb"
    importer.import_store(db, [AOR_EXCERPT])
    settings.ASILO_STATS_DB = db
    analyst = client_as(make_user("analyst", "analyst-swap"))
    download = reverse("dashboards:chart", args=["trend_by_authority", "csv"]) + "?region="
    assert analyst.get(URL).status_code == 200
    old = analyst.get(download)
    assert old.status_code == 200
    big = larger_file(tmp_path / "synthetic_aor.csv", rows=200_000)
    process = subprocess.Popen(
        [str(ASILO), "stats", "import", str(big), "--db", str(db)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    during = 0
    try:
        while process.poll() is None:
            importing = bool(copies(db))
            page, figures = analyst.get(URL), analyst.get(download)
            assert page.status_code == 200, page.status_code
            assert figures.status_code == 200, figures.status_code
            if importing and copies(db):  # the import ran before and after these requests
                during += 1
                assert figures.content == old.content
    finally:
        _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr
    assert during >= 1, "no request was answered while the import ran"
    new = analyst.get(download)
    assert new.status_code == 200 and new.content != old.content
    assert analyst.get(URL).status_code == 200
    assert copies(db) == []
    shutil.rmtree(tmp_path, ignore_errors=True)
