"""Demo statistics: the repository's real CBP files and the case application's demo encounters.

``load()`` imports ``data/real/cbp/*.csv`` into the statistics database when they are not there
yet, and exports the case application's encounters (CBP's by-AOR format) into it as a second
source, replacing the previous export. Run it after the encounters demo (``asilo serve --demo``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
from django.conf import settings

from asilo.stats import importer, store
from asilo.web.dashboards.export import EXPORT_FILE_NAME, export_encounters

CBP_DIR = Path(settings.PROJECT_ROOT) / "data" / "real" / "cbp"


@dataclass(frozen=True)
class StatsDemoSummary:
    cbp_files_imported: list[str]
    own_rows: int
    own_encounters: int


def load(*, db: Path | None = None, cbp_dir: Path | None = None) -> StatsDemoSummary:
    """Import the shipped CBP files (once) and the case application's encounters (each time)."""
    db = Path(db or settings.ASILO_STATS_DB)
    cbp_dir = cbp_dir or CBP_DIR
    with store.replacing(db) as con:  # swapped in whole: the pages read the old store meanwhile
        present = {f.file_name for f in store.imported_files(con)}
        missing = [p for p in sorted(cbp_dir.glob("*.csv")) if p.name not in present]
        if missing:
            importer.import_files(con, missing)
        export = db.parent / EXPORT_FILE_NAME
        summary = export_encounters(export)
        if summary.rows:
            importer.import_files(con, [export])
        else:
            _forget(con, EXPORT_FILE_NAME)
    return StatsDemoSummary([p.name for p in missing], summary.rows, summary.encounters)


def _forget(con: duckdb.DuckDBPyConnection, file_name: str) -> None:
    """No encounters to export: drop an earlier export so the page does not show stale counts."""
    row = con.execute("SELECT file_id FROM files WHERE file_name = ?", [file_name]).fetchone()
    if row is None:
        return
    con.execute("BEGIN")
    for table in ("encounters", "coverage", "files"):
        con.execute(f"DELETE FROM {table} WHERE file_id = ?", [row[0]])
    con.execute("COMMIT")
