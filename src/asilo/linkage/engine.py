"""Linking, training and matching with Splink 5 on DuckDB (in process) or Spark (local session).

* :func:`link` - records file in, one identity per record out (``C.csv``), plus the pairs that
  need a human (optional). Records are prepared in DuckDB; Splink scores the blocked pairs
  (``linker.inference.predict``) and clusters them by connected components at
  :data:`~asilo.linkage.model.SAME_IDENTITY_THRESHOLD`
  (``linker.clustering.cluster_pairwise_predictions_at_threshold``).
* :func:`train` - u by random sampling, then m by expectation maximisation over several
  blocking passes; the result is a :class:`~asilo.linkage.model.ModelParameters`.
* :class:`Matcher` - a new record against stored identities: the stored records that share a
  blocking key with it are fetched from an in-process DuckDB table, then scored by Splink
  (``linker.inference.score_pairs``; Splink 5's ``predict_between`` does the same with its own
  blocking, for many new records at once).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import duckdb

from asilo.linkage import model
from asilo.linkage.records import (
    RECORD_COLUMNS,
    RecordFileError,
    count_well_formed,
    suspect_rows_sql,
    validate_records,
)

Backend = Literal["duckdb", "spark"]

# Splink reports progress at INFO; asilo's commands print their own summary.
logging.getLogger("splink").setLevel(logging.WARNING)


@dataclass(frozen=True)
class LinkResult:
    records: int
    identities: int
    review_pairs: int
    compared_pairs: int | None


def _load_raw(con: duckdb.DuckDBPyConnection, records: Path) -> int:
    """Check ``records`` and load it into ``raw`` (and ``prepared``); return the count.

    Raises :class:`RecordFileError` naming file, line and column on bad input. The checks
    run in bulk (the C csv reader for the structure, one DuckDB query for the values); only
    a file they find suspect is read again line by line in Python, which has the last word
    and says where the fault is.
    """
    expected = count_well_formed(records)
    if expected is None:
        validate_records(records)  # raises, naming the line
    columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in RECORD_COLUMNS) + "}"
    try:
        con.execute(
            "create or replace table raw as select row_number() over () as rn, * from "
            f"read_csv(?, header = true, columns = {columns}, quote = '\"', escape = '\"', "
            "all_varchar = true, null_padding = false, strict_mode = true, "
            "auto_detect = false, delim = ',', parallel = true)",
            [str(records)],
        )
    except duckdb.Error as exc:
        validate_records(records)
        raise RecordFileError(records, 0, None, f"cannot be read ({exc})") from exc
    suspect, count, distinct = con.execute(suspect_rows_sql("raw")).fetchall()[0]
    if suspect or count != distinct or count != expected:
        count = validate_records(records)
        if count != _count(con):
            raise RecordFileError(records, 0, None, "cannot be read consistently")
    con.execute(f"create or replace table prepared as {model.prepare_sql('raw')}")
    return int(count)


def _count(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("select count(*) from raw").fetchall()[0]
    return int(row[0]) if row else 0


def _splink_duckdb(con: duckdb.DuckDBPyConnection, settings: dict[str, Any]) -> Any:
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI(con)
    sdf = db_api.register("prepared")
    return Linker(sdf, settings, log_level=None)


def spark_session(app_name: str = "asilo-identity") -> Any:
    """A local Spark session with Splink's similarity functions (jar shipped with Splink)."""
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    master = os.environ.get("ASILO_SPARK_MASTER", "local[2]")
    session = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.shuffle.partitions", os.environ.get("ASILO_SPARK_PARTITIONS", "4"))
        .config("spark.default.parallelism", os.environ.get("ASILO_SPARK_PARTITIONS", "4"))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.driver.memory", os.environ.get("ASILO_SPARK_DRIVER_MEMORY", "3g"))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def _start_spark() -> Any:
    try:
        return spark_session()
    except ImportError as exc:
        raise ValueError(
            "the Spark backend needs pyspark: pip install 'asilo[spark]' (and Java 17)"
        ) from exc
    except Exception as exc:  # pyspark reports a missing or broken Java this way
        raise ValueError(f"Spark could not start (is Java 17 installed?): {exc}") from exc


def _splink_spark(
    con: duckdb.DuckDBPyConnection, settings: dict[str, Any], spark: Any, workdir: Path
) -> Any:
    from splink import Linker, SparkAPI

    # Prepared records travel to Spark as Parquet (on a cluster: a shared path).
    prepared = workdir / "prepared.parquet"
    con.execute(f"copy prepared to '{prepared}' (format parquet)")
    frame = spark.read.parquet(str(prepared))
    spark.sparkContext.setCheckpointDir(str(workdir / "checkpoints"))
    db_api = SparkAPI(  # type: ignore[no-untyped-call]
        spark_session=spark,
        break_lineage_method=os.environ.get("ASILO_SPARK_BREAK_LINEAGE", "parquet"),
        num_partitions_on_repartition=int(os.environ.get("ASILO_SPARK_PARTITIONS", "4")),
    )
    sdf = db_api.register(frame)
    return Linker(sdf, settings, log_level=None)


def _to_duckdb(
    con: duckdb.DuckDBPyConnection, name: str, splink_df: Any, backend: Backend, workdir: Path
) -> None:
    if backend == "duckdb":
        con.execute(f"create or replace table {name} as select * from {splink_df.physical_name}")
        return
    target = workdir / f"{name}.parquet"
    splink_df.as_spark_dataframe().write.mode("overwrite").parquet(str(target))
    con.execute(
        f"create or replace table {name} as select * from read_parquet('{target}/*.parquet')"
    )


def _identities_sql(same: float) -> str:
    return f"""
    with ident as (
        select cluster_id, min(unique_id) as identity_id from clusters group by cluster_id
    ), edges as (
        select unique_id_l as uid, match_probability as p
        from pairs where match_probability >= {same}
        union all
        select unique_id_r as uid, match_probability as p
        from pairs where match_probability >= {same}
    ), strength as (
        select uid, max(p) as p from edges group by uid
    )
    select r.record_id, i.identity_id,
           round(coalesce(s.p, 1.0), 6) as match_probability
    from raw r
    join clusters c on c.unique_id = r.record_id
    join ident i on i.cluster_id = c.cluster_id
    left join strength s on s.uid = r.record_id
    order by r.rn
    """


def _review_sql(same: float) -> str:
    return f"""
    select p.unique_id_l as record_id_l, p.unique_id_r as record_id_r,
           round(p.match_probability, 6) as match_probability
    from pairs p
    join clusters a on a.unique_id = p.unique_id_l
    join clusters b on b.unique_id = p.unique_id_r
    where p.match_probability < {same} and a.cluster_id <> b.cluster_id
    order by p.match_probability desc, record_id_l, record_id_r
    """


def _copy_atomically(con: duckdb.DuckDBPyConnection, sql: str, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".asilo-", suffix=".csv", dir=out.parent)
    os.close(fd)
    try:
        con.execute(f"copy ({sql}) to '{tmp}' (header, delimiter ',')")
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def link(
    records: Path,
    out: Path,
    *,
    backend: Backend = "duckdb",
    model_path: Path | None = None,
    review_out: Path | None = None,
    same_identity: float = model.SAME_IDENTITY_THRESHOLD,
    review: float = model.REVIEW_THRESHOLD,
    spark: Any = None,
) -> LinkResult:
    """Link the records of ``records`` (``R.csv``) and write ``out`` (``C.csv``).

    Raises :class:`~asilo.linkage.records.RecordFileError` (nothing written) on bad input and
    :class:`ValueError` on a bad model file.
    """
    if not 0 < review <= same_identity < 1:
        raise ValueError("thresholds must satisfy 0 < review <= same identity < 1")
    parameters = model.load_parameters(model_path)
    con = duckdb.connect()
    workdir = Path(tempfile.mkdtemp(prefix="asilo-link-"))
    try:
        _load_raw(con, records)
        settings = model.settings_dict(backend, parameters, _count(con))
        if backend == "duckdb":
            linker = _splink_duckdb(con, settings)
        else:
            linker = _splink_spark(con, settings, spark or _start_spark(), workdir)
        pairs = linker.inference.predict(threshold_match_probability=review, warning_mode="never")
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            pairs, threshold_match_probability=same_identity
        )
        _to_duckdb(con, "pairs", pairs, backend, workdir)
        _to_duckdb(con, "clusters", clusters, backend, workdir)
        _copy_atomically(con, _identities_sql(same_identity), out)
        review_count = con.execute(
            f"select count(*) from ({_review_sql(same_identity)})"
        ).fetchall()[0]
        if review_out is not None:
            _copy_atomically(con, _review_sql(same_identity), review_out)
        counts = con.execute(
            "select count(*), count(distinct cluster_id) from clusters"
        ).fetchall()[0]
        assert counts is not None and review_count is not None
        return LinkResult(
            records=int(counts[0]),
            identities=int(counts[1]),
            review_pairs=int(review_count[0]),
            compared_pairs=None,
        )
    finally:
        con.close()
        shutil.rmtree(workdir, ignore_errors=True)


def train(
    records: Path,
    *,
    seed: int = 1,
    max_pairs: float = 5e6,
    trained_on: Mapping[str, Any] | None = None,
) -> model.ModelParameters:
    """Fit the model on ``records`` (DuckDB): prior, u by random sampling, m by EM passes."""
    from splink import block_on

    con = duckdb.connect()
    try:
        _load_raw(con, records)
        settings = model.settings_dict("duckdb", None)
        linker = _splink_duckdb(con, settings)
        linker.training.estimate_probability_two_random_records_match(
            [
                block_on("a_number"),
                block_on("given_norm", "first_surname", "dob_full"),
            ],
            recall=0.7,
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
        for keys in model.TRAINING_KEYS:
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(*keys), estimate_without_term_frequencies=True
            )
        trained = linker.misc.save_model_to_json()
        info = dict(trained_on or {})
        count = _count(con)
        info["records"] = count
        info["u"] = f"random sampling, max_pairs={max_pairs:g}, seed={seed}"
        info["m"] = "expectation maximisation, blocking on " + "; ".join(
            "+".join(k) for k in model.TRAINING_KEYS
        )
        return model.parameters_from_settings(trained, info, count)
    finally:
        con.close()


@dataclass(frozen=True)
class Match:
    record_id: str
    match_probability: float


class Matcher:
    """Find a new record's matches among stored records (kept in an in-process DuckDB).

    ``stored`` is a table of ``R.csv`` columns. Candidates are the stored records sharing at
    least one blocking key with the new record (looked up in a table of key hashes sorted so
    that DuckDB's zone maps skip almost all of it); Splink's scoring SQL, written once, scores
    them.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        *,
        model_path: Path | None = None,
        prior_records: int | None = None,
    ) -> None:
        """``prior_records``: scale the prior as if the stored records were drawn from at
        least this many (an application's few stored records come from a large population;
        a prior scaled to their number would link on weak evidence)."""
        from splink import DuckDBAPI, Linker

        self.con = con
        con.execute("set enable_progress_bar = false")
        stored = _count_table(con, "prepared")
        self.settings = model.settings_dict(
            "duckdb", model.load_parameters(model_path), max(stored + 1, 2, prior_records or 0)
        )
        db_api = DuckDBAPI(con)
        con.execute("create or replace table _new_raw as select * from raw limit 0")
        con.execute(f"create or replace view _new_prepared as {model.prepare_sql('_new_raw')}")
        con.execute("create or replace table _match_new as select * from prepared limit 0")
        con.execute("create or replace table _match_candidates as select * from prepared limit 0")
        # The stored records numbered, and one row per (blocking rule, key value, record),
        # sorted by a hash of the rule and value: a look-up reads only the row groups whose
        # zone maps can hold the new record's hashes.
        con.execute(
            "create or replace table _match_store as "
            "select row_number() over () as rid, * from prepared"
        )
        con.execute("create index _match_store_rid on _match_store (rid)")
        con.execute(
            "create or replace table _match_keys as select * from ("
            + _blocking_hashes_sql("_match_store", "rid")
            + ") order by h"
        )
        linker = Linker(db_api.register("prepared"), self.settings, log_level=None)
        # Splink writes the scoring SQL once (candidates x new record, every comparison level);
        # each look-up then refills the two small tables and runs it.
        scored = linker.inference.score_pairs(
            db_api.register("_match_candidates", table_name="_match_candidates"),
            db_api.register("_match_new", table_name="_match_new"),
        )
        self._scoring_sql: str = scored.sql_used_to_create
        scored.drop_table_from_database_and_remove_from_cache()

    @classmethod
    def from_records_file(cls, records: Path, *, model_path: Path | None = None) -> Matcher:
        con = duckdb.connect()
        _load_raw(con, records)
        return cls(con, model_path=model_path)

    def find(
        self, record: Mapping[str, str], threshold: float = model.REVIEW_THRESHOLD
    ) -> list[Match]:
        """Stored records matching ``record`` at or above ``threshold``, best first."""
        con = self.con
        values = [record.get(c, "") or "" for c in RECORD_COLUMNS]
        con.execute("delete from _new_raw")
        con.execute(
            f"insert into _new_raw values (0, {', '.join('?' for _ in RECORD_COLUMNS)})", values
        )
        con.execute("delete from _match_new")
        con.execute("insert into _match_new select * from _new_prepared")
        hashes = [
            int(r[0])
            for r in con.execute(
                "select distinct h from (" + _blocking_hashes_sql("_match_new", "0") + ")"
            ).fetchall()
        ]
        con.execute("delete from _match_candidates")
        if not hashes:
            return []
        rids = [
            int(r[0])
            for r in con.execute(
                "select distinct rid from _match_keys where h in ("
                + ", ".join(str(h) for h in hashes)
                + ")"
            ).fetchall()
        ]
        if not rids:
            return []
        con.execute(
            "insert into _match_candidates select * exclude (rid) from _match_store "
            "where rid in (" + ", ".join(str(r) for r in rids) + ")"
        )
        rows = con.execute(
            f"select unique_id_l, match_probability from ({self._scoring_sql}) "
            "where match_probability >= ? order by match_probability desc, unique_id_l",
            [threshold],
        ).fetchall()
        return [Match(str(r[0]), float(r[1])) for r in rows]


def _blocking_hashes_sql(table: str, rid: str) -> str:
    """One row ``(h, rid)`` per blocking rule a record can take part in (arrays exploded)."""
    parts = []
    for i, keys in enumerate(model.BLOCKING_KEYS):
        values = ", ".join(f"unnest({k})" if k in model.ARRAY_KEYS else k for k in keys)
        present = " and ".join(f"{k} is not null" for k in keys)
        parts.append(f"select hash({i}, {values}) as h, {rid} as rid from {table} where {present}")
    return " union all ".join(parts)


def _count_table(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"select count(*) from {table}").fetchall()[0][0])


def pairs_from_clusters(assignments: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    """All within-identity record pairs ``(a, b)`` with ``a < b`` (small inputs only)."""
    by_identity: dict[str, list[str]] = {}
    for record_id, identity in assignments:
        by_identity.setdefault(identity, []).append(record_id)
    out: set[tuple[str, str]] = set()
    for members in by_identity.values():
        members.sort()
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                out.add((a, b))
    return out
