"""Linking a small synthetic population with DuckDB: quality, output contract, matching."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from asilo.linkage import engine, evaluation, model
from asilo.linkage.records import CLUSTER_COLUMNS


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_link_quality_on_a_small_population(
    small_population: tuple[Path, Path], tmp_path: Path
) -> None:
    records, truth = small_population
    out = tmp_path / "C.csv"
    result = engine.link(records, out)
    rows = read(out)
    assert list(rows[0]) == list(CLUSTER_COLUMNS)
    assert [r["record_id"] for r in rows] == [r["record_id"] for r in read(records)]
    assert result.records == len(rows)
    scores = {s.kind: s for s in evaluation.evaluate(out, truth)}
    overall = scores["all"]
    assert overall.precision >= 0.98
    assert overall.recall >= 0.9
    assert overall.f1 >= 0.95
    # Singletons have probability 1; members of a larger identity have their link strength.
    sizes: dict[str, int] = {}
    for r in rows:
        sizes[r["identity_id"]] = sizes.get(r["identity_id"], 0) + 1
    for r in rows:
        p = float(r["match_probability"])
        if sizes[r["identity_id"]] == 1:
            assert p == 1.0
            assert r["identity_id"] == r["record_id"]
        else:
            assert model.SAME_IDENTITY_THRESHOLD <= p <= 1.0


def write_records(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "record_id",
                "given_names",
                "first_surname",
                "second_surname",
                "date_of_birth",
                "sex",
                "nationality",
                "a_number",
                "document_number",
            ]
        )
        w.writerows(rows)


def test_spelling_variants_of_one_man_are_one_identity_and_a_different_a_number_is_not(
    small_population: tuple[Path, Path], tmp_path: Path
) -> None:
    records, _ = small_population
    rows = [list(r.values()) for r in read(records)]
    rows += [
        ["x1", "José", "López", "Hernández", "1990-03-04", "M", "MEX", "", ""],
        ["x2", "JOSE", "LOPEZ", "", "1990-03-04", "M", "MEX", "", ""],
        ["x3", "Jose", "Hernández", "López", "1990-04-03", "M", "", "", ""],
        # Same name and date, but a different A-number from x4's: another man.
        ["x4", "Mario", "Lemus", "Cáceres", "1985-01-20", "M", "GTM", "201234567", ""],
        ["x5", "Mario", "Lemus", "Cáceres", "1985-01-20", "M", "GTM", "209876543", ""],
    ]
    path = tmp_path / "R.csv"
    write_records(path, rows)
    out = tmp_path / "C.csv"
    engine.link(path, out)
    ident = {r["record_id"]: r["identity_id"] for r in read(out)}
    assert ident["x1"] == ident["x2"] == ident["x3"]
    assert ident["x4"] != ident["x5"]


def test_matcher_finds_an_earlier_record_under_another_spelling(
    small_population: tuple[Path, Path],
) -> None:
    records, _ = small_population
    rows = read(records)
    target = next(
        r
        for r in rows
        if r["date_of_birth"]
        and len(r["date_of_birth"]) == 10
        and r["second_surname"]
        and r["given_names"]
    )
    matcher = engine.Matcher.from_records_file(records)
    new = dict(target)
    new["record_id"] = "new"
    new["second_surname"] = ""
    new["given_names"] = target["given_names"].upper()
    found = matcher.find(new)
    assert found and found[0].record_id == target["record_id"]
    assert found[0].match_probability >= 0.5
    nobody = {
        "record_id": "n2",
        "given_names": "Zebulon",
        "first_surname": "Quaxley",
        "date_of_birth": "1901-01-01",
    }
    assert matcher.find(nobody) == []


def test_blocking_finds_the_same_pairs_as_splinks_rules_and_the_matcher_look_up(
    small_population: tuple[Path, Path],
) -> None:
    """Three renderings of the blocking rules agree: the one-query blocking of ``link``,
    Splink's own rules (used on Spark), and the matcher's key hashes for one new record."""
    import duckdb
    from splink import DuckDBAPI, Linker

    records, _ = small_population
    con = duckdb.connect()
    engine._load_raw(con, records)
    con.execute(
        "create table ids as select rn as unique_id, * exclude (unique_id, rn) from prepared"
    )
    ours = {
        (int(a), int(b))
        for a, b in con.execute(f"select a, b from ({engine.blocked_pairs_sql('ids')})").fetchall()
    }
    assert ours
    settings = model.settings_dict("duckdb", model.load_parameters(None), 3000)
    db_api = DuckDBAPI(con)
    linker = Linker(db_api.register("ids"), settings, log_level=None)
    blocked = linker.inference.compute_blocked_pairs_for_predict()
    splinks = {
        (min(int(a), int(b)), max(int(a), int(b)))
        for a, b in con.execute(
            f"select join_key_l, join_key_r from {blocked.physical_name}"
        ).fetchall()
    }
    assert ours == splinks

    con.execute("create table store as select * from ids")
    con.execute(
        "create table keys as select * from ("
        + engine._blocking_hashes_sql("store", "unique_id")
        + ")"
    )
    partners: dict[int, set[int]] = {}
    for a, b in ours:
        partners.setdefault(a, set()).add(b)
        partners.setdefault(b, set()).add(a)
    ids = [
        int(r[0]) for r in con.execute("select unique_id from ids order by unique_id").fetchall()
    ]
    for uid in ids[::25]:
        con.execute("create or replace table one as select * from ids where unique_id = ?", [uid])
        found = {
            int(r[0])
            for r in con.execute(
                "select distinct rid from keys where h in (select h from ("
                + engine._query_hashes_sql("one")
                + "))"
            ).fetchall()
        } - {uid}
        assert found == partners.get(uid, set()), uid


def test_blocking_recall_on_a_small_population(small_population: tuple[Path, Path]) -> None:
    records, truth = small_population
    found = evaluation.blocking_recall(records, truth)
    assert found.records == 3000
    assert found.true_pairs > 500
    assert found.recall >= 0.99
    # Near linear: a few comparisons per record, not a share of all pairs.
    assert found.per_record < 5


def test_pairs_left_unscored_could_not_reach_review(
    small_population: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The blocked pairs whose A-numbers, documents, sex or nationality outweigh the best
    names and dates are not scored; scoring them would add no pair at or above review."""
    import duckdb

    records, _ = small_population
    params = model.load_parameters(None)

    def pairs() -> dict[tuple[str, str], float]:
        con = duckdb.connect()
        count = engine._load_raw(con, records)
        engine.link_loaded_duckdb(con, params, count)
        return {
            (str(a), str(b)): float(p) for a, b, p in con.execute("select * from pairs").fetchall()
        }

    kept = pairs()
    settings = model.settings_dict("duckdb", params, 3000)
    bound = model.cheap_bound_sql(settings, model.REVIEW_THRESHOLD)
    assert bound is not None
    con = duckdb.connect()
    engine._load_raw(con, records)
    con.execute(
        "create table ids as select rn as unique_id, * exclude (unique_id, rn) from prepared"
    )
    pruned = con.execute(
        f"select count(*) from ({engine.blocked_pairs_sql('ids')}) p "
        "join ids l on l.unique_id = p.a join ids r on r.unique_id = p.b "
        f"where not ({bound})"
    ).fetchall()[0][0]
    assert pruned > 0
    monkeypatch.setattr(model, "cheap_bound_sql", lambda settings, threshold: None)
    assert pairs() == kept
