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
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from asilo import outputfiles
from asilo.csvsafe import sql_safe_text
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
    # The Java gateway's Python side says at INFO that it closes, also from a finaliser at
    # interpreter exit, when the log's stream may already be closed (a "Logging error").
    logging.getLogger("py4j").setLevel(logging.WARNING)
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


def blocked_pairs_sql(table: str) -> str:
    """DuckDB SQL: the distinct pairs ``(a, b)`` (``a < b``, the integer ``unique_id`` of
    ``table``) that any of :data:`~asilo.linkage.model.BLOCKING_RULES` produces, with
    ``match_key`` the first rule that produces each.

    The same pairs as Splink's own blocking on :func:`~asilo.linkage.model.blocking_rules`
    (each rule a hash join on its keys, list keys exploded), found on integer ids and
    deduplicated once instead of excluding every earlier rule's pairs from each later rule.
    """
    parts = []
    for i, rule in enumerate(model.BLOCKING_RULES):
        select = ["unique_id"]
        select += [f"unnest({k}) as {k}" if k in model.ARRAY_KEYS else k for k in rule.keys]
        present = [f"{k} is not null" for k in rule.keys]
        on = [f"l.{k} = r.{k}" for k in rule.keys]
        reach, cross, where = "", "", ""
        if rule.years_apart is not None:
            # Each left record meets the right ones born in each year within reach: an
            # equi-join on the year instead of a filter over every same-name pair.
            select.append("dob_year")
            present.append("dob_year is not null")
            w = int(rule.years_apart)
            reach = ", s.dob_year + y.d as reach"
            cross = f" cross join range(-{w}, {w + 1}) as y(d)"
            on.append("l.reach = r.dob_year")
        if rule.missing_on_one_side:
            # The left record is one without the value; the right one any other (each pair
            # of two records without it once): never the pairs where both have it.
            m = rule.missing_on_one_side
            if m not in select:
                select.append(m)
            where = f" where s.{m} is null"
            on.append(f"(r.{m} is not null or l.unique_id < r.unique_id)")
            on.append("l.unique_id <> r.unique_id")
        else:
            on.append("l.unique_id < r.unique_id")
        side = f"(select {', '.join(select)} from {table} where {' and '.join(present)})"
        left = f"(select s.*{reach} from {side} s{cross}{where}) l"
        parts.append(
            "select least(l.unique_id, r.unique_id) as a, "
            f"greatest(l.unique_id, r.unique_id) as b, {i} as rule "
            f"from {left} join {side} r on {' and '.join(on)}"
        )
    return (
        "select a, b, min(rule) as match_key from (" + " union all ".join(parts) + ") group by a, b"
    )


def connected_components(
    a: npt.NDArray[np.int64], b: npt.NDArray[np.int64], size: int
) -> npt.NDArray[np.int64]:
    """For nodes ``0 .. size - 1`` and edges ``a[i] - b[i]``: each node's smallest connected
    node (hooking roots to the smaller root, then pointer jumping, until no edge joins two
    roots)."""
    parent = np.arange(size, dtype=np.int64)
    while True:
        ra, rb = parent[a], parent[b]
        if np.array_equal(ra, rb):
            return parent
        low = np.minimum(ra, rb)
        np.minimum.at(parent, ra, low)
        np.minimum.at(parent, rb, low)
        while True:
            jumped = parent[parent]
            if np.array_equal(jumped, parent):
                break
            parent = jumped


def link_loaded_duckdb(
    con: duckdb.DuckDBPyConnection,
    parameters: model.ModelParameters,
    count: int,
    *,
    same_identity: float = model.SAME_IDENTITY_THRESHOLD,
    review: float = model.REVIEW_THRESHOLD,
) -> int:
    """Link the records in ``raw`` / ``prepared`` (see :func:`_load_raw`) with DuckDB.

    Creates ``pairs`` (``unique_id_l``, ``unique_id_r`` record ids and ``match_probability``,
    every scored pair at or above ``review``) and ``clusters`` (``unique_id`` the record id,
    ``cluster_id``: connected components of the pairs at or above ``same_identity``), the
    tables :func:`_identities_sql` and :func:`_review_sql` read. Returns the number of pairs
    compared.

    Blocking runs on integer ids in one query (:func:`blocked_pairs_sql`); Splink scores the
    blocked pairs (``register_blocked_pairs_for_predict`` then ``predict`` with the review
    threshold, so that pairs below it are never kept); the components are found in NumPy
    over the few pairs above the identity threshold.
    """
    from splink import DuckDBAPI, Linker

    con.execute(
        "create or replace view _link_input as "
        "select rn as unique_id, * exclude (unique_id, rn) from prepared"
    )
    # Splink reads only the compared columns (it copies its input for the pairs it scores).
    con.execute(
        "create or replace table _score_input as select rn as unique_id, "
        + ", ".join(model.COMPARED_COLUMNS)
        + " from prepared"
    )
    settings = model.settings_dict("duckdb", parameters, count)
    # Pairs that cannot reach the review threshold whatever their names and dates (different
    # A-numbers, documents, sex or nationality outweigh the best names) are never scored.
    bound = model.cheap_bound_sql(settings, review)
    con.execute(f"create or replace table _pairs as {blocked_pairs_sql('_link_input')}")
    compared = _count_table(con, "_pairs")
    con.execute(
        "create or replace table _blocked as select cast(match_key as varchar) as match_key, "
        "a as join_key_l, b as join_key_r from _pairs p"
        + (
            ""
            if bound is None
            else " join _score_input l on l.unique_id = p.a "
            f"join _score_input r on r.unique_id = p.b where {bound}"
        )
    )
    con.execute("drop table _pairs")
    if _count_table(con, "_blocked") == 0:  # nothing to score (Splink needs a pair)
        con.execute(
            "create or replace table pairs (unique_id_l varchar, unique_id_r varchar, "
            "match_probability double)"
        )
        con.execute(
            "create or replace table clusters as "
            "select record_id as unique_id, rn as cluster_id from raw"
        )
        con.execute("drop table _blocked")
        con.execute("drop table _score_input")
        con.execute("drop view _link_input")
        return compared
    settings["blocking_rules_to_generate_predictions"] = []  # blocked above
    db_api = DuckDBAPI(con)
    linker = Linker(db_api.register("_score_input"), settings, log_level=None)
    linker.table_management.register_blocked_pairs_for_predict(db_api.register("_blocked"))
    scored = linker.inference.predict(threshold_match_probability=review, warning_mode="never")
    con.execute(
        "create or replace table pairs as "
        "select l.record_id as unique_id_l, r.record_id as unique_id_r, p.match_probability "
        f"from {scored.physical_name} p "
        "join raw l on l.rn = p.unique_id_l join raw r on r.rn = p.unique_id_r"
    )
    edges = con.execute(
        f"select unique_id_l, unique_id_r from {scored.physical_name} "
        f"where match_probability >= {float(same_identity)!r}"
    ).fetchnumpy()
    scored.drop_table_from_database_and_remove_from_cache()
    con.execute("drop table _blocked")
    con.execute("drop table _score_input")
    con.execute("drop view _link_input")
    size = int(con.execute("select coalesce(max(rn), 0) + 1 from raw").fetchall()[0][0])
    labels = connected_components(
        np.asarray(edges["unique_id_l"], dtype=np.int64),
        np.asarray(edges["unique_id_r"], dtype=np.int64),
        size,
    )
    components = pa.table({"rn": np.arange(size, dtype=np.int64), "component": labels})
    con.register("_components", components)
    con.execute(
        "create or replace table clusters as select r.record_id as unique_id, "
        "c.component as cluster_id from raw r join _components c on c.rn = r.rn"
    )
    con.unregister("_components")
    return compared


def _text(expression: str, spreadsheet: bool) -> str:
    """``expression``, neutralised as a CSV text cell when it goes to a file (``asilo.csvsafe``)."""
    return sql_safe_text(expression) if spreadsheet else expression


def _identities_sql(same: float, *, spreadsheet: bool = False) -> str:
    """One identity per record; ``spreadsheet``: the ids neutralised for ``C.csv``."""
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
    select {_text("r.record_id", spreadsheet)} as record_id,
           {_text("i.identity_id", spreadsheet)} as identity_id,
           round(coalesce(s.p, 1.0), 6) as match_probability
    from raw r
    join clusters c on c.unique_id = r.record_id
    join ident i on i.cluster_id = c.cluster_id
    left join strength s on s.uid = r.record_id
    order by r.rn
    """


def _review_sql(same: float, *, spreadsheet: bool = False) -> str:
    """The pairs for human review; ``spreadsheet``: the ids neutralised for the CSV file."""
    return f"""
    select {_text("p.unique_id_l", spreadsheet)} as record_id_l,
           {_text("p.unique_id_r", spreadsheet)} as record_id_r,
           round(p.match_probability, 6) as match_probability
    from pairs p
    join clusters a on a.unique_id = p.unique_id_l
    join clusters b on b.unique_id = p.unique_id_r
    where p.match_probability < {same} and a.cluster_id <> b.cluster_id
    order by p.match_probability desc, record_id_l, record_id_r
    """


def _copy_to_file(con: duckdb.DuckDBPyConnection, sql: str, out: Path) -> None:
    """Write the query's rows to the CSV file ``out``, replacing it only once complete."""
    with outputfiles.replacing(out) as temporary:
        quoted = str(temporary).replace("'", "''")
        con.execute(f"copy ({sql}) to '{quoted}' (header, delimiter ',')")


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

    Raises :class:`~asilo.linkage.records.RecordFileError` (nothing written) on bad input,
    :class:`ValueError` on a bad model file and :class:`~asilo.outputfiles.OutputFileError`
    when an output file cannot be written.
    """
    if not 0 < review <= same_identity < 1:
        raise ValueError("thresholds must satisfy 0 < review <= same identity < 1")
    parameters = model.load_parameters(model_path)
    con = duckdb.connect()
    con.execute("set enable_progress_bar = false")
    workdir = Path(tempfile.mkdtemp(prefix="asilo-link-"))
    try:
        count = _load_raw(con, records)
        for target in (out, review_out):
            if target is not None:
                outputfiles.check_target(target)  # before the work, after the input's faults
        compared: int | None = None
        if backend == "duckdb":
            compared = link_loaded_duckdb(
                con, parameters, count, same_identity=same_identity, review=review
            )
        else:
            settings = model.settings_dict(backend, parameters, count)
            linker = _splink_spark(con, settings, spark or _start_spark(), workdir)
            pairs = linker.inference.predict(
                threshold_match_probability=review, warning_mode="never"
            )
            clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
                pairs, threshold_match_probability=same_identity
            )
            _to_duckdb(con, "pairs", pairs, backend, workdir)
            _to_duckdb(con, "clusters", clusters, backend, workdir)
        _copy_to_file(con, _identities_sql(same_identity, spreadsheet=True), out)
        review_count = con.execute(
            f"select count(*) from ({_review_sql(same_identity)})"
        ).fetchall()[0]
        if review_out is not None:
            _copy_to_file(con, _review_sql(same_identity, spreadsheet=True), review_out)
        counts = con.execute(
            "select count(*), count(distinct cluster_id) from clusters"
        ).fetchall()[0]
        assert counts is not None and review_count is not None
        return LinkResult(
            records=int(counts[0]),
            identities=int(counts[1]),
            review_pairs=int(review_count[0]),
            compared_pairs=compared,
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

    ``stored`` is a table of ``R.csv`` columns. Candidates are the stored records the
    blocking rules pair with the new record (looked up in a table of key hashes sorted so
    that DuckDB's zone maps skip almost all of it; exactly the pairs :func:`link` would
    compare); Splink's scoring SQL, written once, scores them. Once built, the connection's
    database runs on one thread (``set threads = 1``): look-ups are many tiny queries.
    """

    _instances = 0

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
        # A look-up is a handful of tiny queries: one thread each costs less than two (this
        # connection's database is the matcher's own).
        con.execute("set threads = 1")
        # The three large statements of a look-up are planned once (PREPARE), not per record.
        Matcher._instances += 1
        self._tag = f"_match_{Matcher._instances}"
        con.execute(
            f"prepare {self._tag}_new as insert into _match_new select * from _new_prepared"
        )
        con.execute(
            f"prepare {self._tag}_hashes as select distinct h from ("
            + _query_hashes_sql("_match_new")
            + ")"
        )
        con.execute(
            f"prepare {self._tag}_score as select unique_id_l, match_probability from ("
            + self._scoring_sql
            + ") order by match_probability desc, unique_id_l"
        )

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
        con.execute(f"execute {self._tag}_new")
        hashes = [int(r[0]) for r in con.execute(f"execute {self._tag}_hashes").fetchall()]
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
        rows = con.execute(f"execute {self._tag}_score").fetchall()
        return [Match(str(r[0]), float(r[1])) for r in rows if float(r[1]) >= threshold]


def _rule_hash_parts(rule: model.BlockingRule) -> tuple[list[str], list[str]]:
    keys = [f"unnest({k})" if k in model.ARRAY_KEYS else k for k in rule.keys]
    present = [f"{k} is not null" for k in rule.keys]
    if rule.years_apart is not None:
        present.append("dob_year is not null")
    return keys, present


def _blocking_hashes_sql(table: str, rid: str) -> str:
    """Stored side: one row ``(h, rid)`` per blocking rule a record can take part in (lists
    exploded). ``h`` hashes the rule, its keys and, for a rule on close birth years, the
    year and, for a rule on a value missing on one side, whether the record lacks it; so a
    new record's look-up (:func:`_query_hashes_sql`) finds exactly its blocked pairs."""
    parts = []
    for i, rule in enumerate(model.BLOCKING_RULES):
        values, present = _rule_hash_parts(rule)
        if rule.years_apart is not None:
            values.append("cast(dob_year as integer)")
        if rule.missing_on_one_side:
            values.append(f"({rule.missing_on_one_side} is null)")
        parts.append(
            f"select hash({i}, {', '.join(values)}) as h, {rid} as rid "
            f"from {table} where {' and '.join(present)}"
        )
    return " union all ".join(parts)


def _query_hashes_sql(table: str) -> str:
    """New record's side: the hashes of :func:`_blocking_hashes_sql` it is blocked with (each
    birth year within reach; a record with the value meets only stored records without it)."""
    parts = []
    for i, rule in enumerate(model.BLOCKING_RULES):
        values, present = _rule_hash_parts(rule)
        joins = ""
        if rule.years_apart is not None:
            w = int(rule.years_apart)
            values.append("cast(dob_year + y.d as integer)")
            joins += f" cross join range(-{w}, {w + 1}) as y(d)"
        if rule.missing_on_one_side:
            values.append("f.lacking")
            joins += " cross join (values (true), (false)) as f(lacking)"
            present.append(f"(f.lacking or {rule.missing_on_one_side} is null)")
        parts.append(
            f"select hash({i}, {', '.join(values)}) as h from {table}{joins} "
            f"where {' and '.join(present)}"
        )
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
