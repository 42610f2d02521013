"""Linking and matching records held in memory only (for the application's identity job).

The command line links files (``R.csv``); the application links people whose names it keeps
encrypted, so it must never write them to a file. Here the records go straight from Python
into an in-process DuckDB database that may not spill to disk (``temp_directory`` is empty:
DuckDB fails a query rather than write a temporary file), and come back as plain values.

* :func:`connect` - such a database;
* :func:`clean_record` - an ``R.csv``-shaped record with every field that the file format
  would refuse left empty (the application's data was checked by its own rules);
* :func:`load_records` - the ``raw`` and ``prepared`` tables of :mod:`.engine`, from rows;
* :func:`link_loaded` - one identity per record and the pairs for human review;
* :func:`matcher` / :func:`matcher_add` - a :class:`~asilo.linkage.engine.Matcher` over the
  loaded records, and a record added to it without building it again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from asilo.linkage import engine, model
from asilo.linkage.records import RECORD_COLUMNS, _check

_RAW_COLUMNS = ", ".join(f"{c} varchar" for c in RECORD_COLUMNS)


def connect() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB database that never writes a temporary file."""
    con = duckdb.connect(config={"temp_directory": "", "max_temp_directory_size": "0KB"})
    con.execute("set enable_progress_bar = false")
    return con


def clean_record(values: Mapping[str, str | None]) -> dict[str, str]:
    """``values`` with every ``R.csv`` column, stripped; a field the file format would refuse
    (a malformed A-number, a nationality that is not an alpha-3 code) is left empty."""
    out: dict[str, str] = {}
    for column in RECORD_COLUMNS:
        value = (values.get(column) or "").strip()
        if column != "record_id" and value and _check(column, value) is not None:
            value = ""
        out[column] = value
    if not out["record_id"]:
        raise ValueError("a record needs a record_id")
    return out


def load_records(con: duckdb.DuckDBPyConnection, records: Iterable[Mapping[str, str]]) -> int:
    """Create ``raw`` (``rn`` and the ``R.csv`` columns) and ``prepared`` from ``records``."""
    con.execute(f"create or replace table raw (rn bigint, {_RAW_COLUMNS})")
    rows = [
        (i, *(r.get(c, "") or "" for c in RECORD_COLUMNS)) for i, r in enumerate(records, start=1)
    ]
    if rows:
        placeholders = ", ".join("?" for _ in range(len(RECORD_COLUMNS) + 1))
        con.executemany(f"insert into raw values ({placeholders})", rows)
    con.execute(f"create or replace table prepared as {model.prepare_sql('raw')}")
    return len(rows)


@dataclass(frozen=True)
class Linked:
    """``assignments``: ``(record_id, identity_key, match_probability)`` per record, in load
    order (``identity_key`` is the smallest record id of the identity); ``review``:
    ``(record_id_l, record_id_r, match_probability)`` between the two thresholds, across
    identities."""

    assignments: list[tuple[str, str, float]]
    review: list[tuple[str, str, float]]


def link_loaded(
    con: duckdb.DuckDBPyConnection,
    *,
    model_path: Path | None = None,
    same_identity: float = model.SAME_IDENTITY_THRESHOLD,
    review: float = model.REVIEW_THRESHOLD,
    prior_records: int | None = None,
) -> Linked:
    """Link the records of :func:`load_records` (DuckDB, in memory) as :func:`engine.link`
    does a file. ``prior_records``: scale the prior as if the records were drawn from at least
    this many (see :class:`~asilo.linkage.engine.Matcher`)."""
    if not 0 < review <= same_identity < 1:
        raise ValueError("thresholds must satisfy 0 < review <= same identity < 1")
    count = int(con.execute("select count(*) from raw").fetchall()[0][0])
    if count == 0:
        return Linked([], [])
    if count == 1:
        rid = str(con.execute("select record_id from raw").fetchall()[0][0])
        return Linked([(rid, rid, 1.0)], [])
    parameters = model.load_parameters(model_path)
    engine.link_loaded_duckdb(
        con,
        parameters,
        max(count, prior_records or 0),
        same_identity=same_identity,
        review=review,
    )
    assignments = [
        (str(r[0]), str(r[1]), float(r[2]))
        for r in con.execute(engine._identities_sql(same_identity)).fetchall()
    ]
    pairs_out = [
        (str(r[0]), str(r[1]), float(r[2]))
        for r in con.execute(engine._review_sql(same_identity)).fetchall()
    ]
    return Linked(assignments, pairs_out)


def matcher(
    con: duckdb.DuckDBPyConnection,
    *,
    model_path: Path | None = None,
    prior_records: int | None = None,
) -> engine.Matcher:
    """A matcher over the records of :func:`load_records` (at least the empty tables)."""
    return engine.Matcher(con, model_path=model_path, prior_records=prior_records)


def matcher_add(found: engine.Matcher, record: Mapping[str, str]) -> None:
    """Add one record to ``found``'s stored records (its blocking keys included), so that
    later look-ups find it. The record id must be new."""
    con = found.con
    values = [record.get(c, "") or "" for c in RECORD_COLUMNS]
    placeholders = ", ".join("?" for _ in RECORD_COLUMNS)
    con.execute("delete from _new_raw")
    con.execute(f"insert into _new_raw values (0, {placeholders})", values)
    rid = int(con.execute("select coalesce(max(rid), 0) + 1 from _match_store").fetchall()[0][0])
    con.execute(f"insert into _match_store select {rid} as rid, * from _new_prepared")
    con.execute(
        f"create or replace temp table _match_one as select {rid} as rid, * from _new_prepared"
    )
    con.execute(
        "insert into _match_keys select * from ("
        + engine._blocking_hashes_sql("_match_one", "rid")
        + ")"
    )
