"""Pairwise precision, recall and F1 of a linkage against the ground truth, by corruption kind.

A *link* is a pair of records given the same identity. Overall figures count every pair. For a
corruption kind *k*: recall is over true pairs where either record had *k* applied; precision
is over predicted pairs where either record had *k* applied. Computed in DuckDB (a million
records is a few seconds).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb

from asilo.csvsafe import sql_text_back
from asilo.linkage.records import RecordFileError, open_csv, read_truth


@dataclass(frozen=True)
class Scores:
    kind: str
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int
    recall_true_pairs: int
    recall_found: int
    precision_predicted: int
    precision_correct: int

    @property
    def precision(self) -> float:
        return (
            self.precision_correct / self.precision_predicted if self.precision_predicted else 1.0
        )

    @property
    def recall(self) -> float:
        return self.recall_found / self.recall_true_pairs if self.recall_true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def check_clusters(path: Path) -> None:
    """Raise :class:`RecordFileError` (file, line, column) unless ``path`` is a ``C.csv``:
    ``record_id,identity_id[,match_probability]``, every row complete, probabilities in 0..1."""
    with open_csv(path) as fh:
        reader = csv.reader(fh, strict=True)
        try:
            header = next(reader, None)
            if not header or header[:2] != ["record_id", "identity_id"]:
                raise RecordFileError(
                    path, 1, None, "the header must start with record_id,identity_id"
                )
            for fields in reader:
                if not fields:
                    continue
                line = reader.line_num
                if len(fields) != len(header) or not fields[0] or not fields[1]:
                    raise RecordFileError(
                        path, line, None, f"{len(fields)} values, expected {len(header)}"
                    )
                if len(header) > 2 and header[2] == "match_probability" and fields[2]:
                    try:
                        probability = float(fields[2])
                    except ValueError:
                        probability = -1.0
                    if not 0.0 <= probability <= 1.0:
                        raise RecordFileError(
                            path, line, "match_probability", f"{fields[2]!r} is not in 0..1"
                        )
        except (csv.Error, UnicodeDecodeError) as exc:
            raise RecordFileError(
                path, reader.line_num, None, f"not a UTF-8 CSV file ({exc})"
            ) from exc


def evaluate(clusters: Path, truth: Path) -> list[Scores]:
    """Scores overall (kind ``"all"``) then per corruption kind, from ``C.csv`` and ``T.csv``."""
    truth_map = read_truth(truth)
    check_clusters(clusters)
    con = duckdb.connect()
    try:
        con.execute("create table truth (record_id varchar, true_id varchar, kinds varchar[])")
        _bulk_truth(con, truth, with_kinds=any(kinds for _, kinds in truth_map.values()))
        con.execute(
            # C.csv's ids were neutralised for spreadsheets (asilo.csvsafe): read them back
            f"create table pred as select {sql_text_back('record_id')} as record_id, "
            f"{sql_text_back('identity_id')} as identity_id from "
            "read_csv(?, header = true, all_varchar = true)",
            [str(clusters)],
        )
        missing = con.execute(
            "select count(*) from truth t anti join pred p using (record_id)"
        ).fetchall()[0]
        if missing and missing[0]:
            raise RecordFileError(
                clusters, 0, "record_id", f"{missing[0]} records of the truth file are missing"
            )
        con.execute(
            """
            create table rec as
            select t.record_id, t.true_id, p.identity_id, t.kinds
            from truth t join pred p using (record_id)
            """
        )
        # Pairs of one true identity (found: linked into one identity too), and pairs the
        # link put into one identity (correct: one true identity too).
        for table, same, flag, other in (
            ("true_pairs", "true_id", "found", "identity_id"),
            ("pred_pairs", "identity_id", "correct", "true_id"),
        ):
            con.execute(
                f"""
                create table {table} as
                select a.record_id as a, b.record_id as b, a.{other} = b.{other} as {flag},
                       list_distinct(list_concat(a.kinds, b.kinds)) as kinds
                from rec a join rec b on a.{same} = b.{same} and a.record_id < b.record_id
                """
            )
        results = [_scores(con, "all", None)]
        kinds = con.execute("select distinct unnest(kinds) as k from truth order by k").fetchall()
        results.extend(_scores(con, kind, kind) for (kind,) in kinds)
        return results
    finally:
        con.close()


def _bulk_truth(con: duckdb.DuckDBPyConnection, truth: Path, *, with_kinds: bool) -> None:
    kinds = (
        "case when corruption_kinds is null or corruption_kinds = '' then []::varchar[] "
        "else string_split(corruption_kinds, ';') end"
        if with_kinds
        else "[]::varchar[]"
    )
    con.execute(
        f"insert into truth select record_id, true_identity_id, {kinds} "
        "from read_csv(?, header = true, all_varchar = true, null_padding = true)",
        [str(truth)],
    )


@dataclass(frozen=True)
class BlockingRecall:
    """How many pairs the blocking rules compare, and how many true pairs they find."""

    records: int
    compared_pairs: int
    true_pairs: int
    found_pairs: int

    @property
    def recall(self) -> float:
        return self.found_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def per_record(self) -> float:
        return self.compared_pairs / self.records if self.records else 0.0


def blocking_recall(records: Path, truth: Path) -> BlockingRecall:
    """The share of true pairs (same ``true_identity_id``) that any blocking rule produces."""
    from asilo.linkage import engine

    con = duckdb.connect()
    try:
        con.execute("set enable_progress_bar = false")
        count = engine._load_raw(con, records)
        con.execute(
            "create table ids as select rn as unique_id, * exclude (unique_id, rn) from prepared"
        )
        con.execute(f"create table blocked as select a, b from ({engine.blocked_pairs_sql('ids')})")
        con.execute(
            "create table truth as select t.record_id, t.true_identity_id as true_id, r.rn "
            "from read_csv(?, header = true, all_varchar = true, null_padding = true) t "
            "join raw r using (record_id)",
            [str(truth)],
        )
        row = con.execute(
            """
            with tp as (
                select x.rn as a, y.rn as b from truth x
                join truth y on x.true_id = y.true_id and x.rn < y.rn
            )
            select (select count(*) from blocked), count(*),
                   count(*) filter (where exists (
                       select 1 from blocked k where k.a = tp.a and k.b = tp.b))
            from tp
            """
        ).fetchall()[0]
        return BlockingRecall(count, int(row[0]), int(row[1]), int(row[2]))
    finally:
        con.close()


def _scores(con: duckdb.DuckDBPyConnection, label: str, kind: str | None) -> Scores:
    """The scores of the pairs where either record had corruption ``kind`` applied (``None``:
    every pair), under ``label``."""
    only = "true" if kind is None else "list_contains(kinds, $k)"
    row = con.execute(
        f"""
        select (select count(*) from true_pairs where {only}),
               (select count(*) from true_pairs where {only} and found),
               (select count(*) from pred_pairs where {only}),
               (select count(*) from pred_pairs where {only} and correct)
        """,
        {} if kind is None else {"k": kind},
    ).fetchall()[0]
    true, found, predicted, correct = (int(n) for n in row)
    return Scores(label, true, predicted, correct, true, found, predicted, correct)
