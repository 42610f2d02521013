"""The plain-Python look-up (:class:`asilo.linkage.lookup.IndexedMatcher`) against the DuckDB
matcher it stands in for at record time: the same preparation, candidates, matches and
probabilities (to the last bit), on the shared synthetic population and on spellings that
exercise the normalisation (accents, marks, abbreviations, ligatures, odd characters)."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from asilo.linkage import lookup, memory, model

STORED = 1000
NEW = 80


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _records(small_population: tuple[Path, Path]) -> list[dict[str, str]]:
    records, _ = small_population
    return [memory.clean_record(r) for r in read(records)]


def _new(row: dict[str, str], i: int) -> dict[str, str]:
    """A later spelling of a stored record: altered in ways the comparisons tell apart."""
    out = dict(row, record_id=f"new{i}")
    kind = i % 6
    if kind == 1:
        out["given_names"] = out["given_names"].upper()
        out["second_surname"] = ""
    elif kind == 2:
        out["first_surname"], out["second_surname"] = out["second_surname"], out["first_surname"]
    elif kind == 3 and len(out["date_of_birth"]) == 10:
        year, month, day = out["date_of_birth"].split("-")
        out["date_of_birth"] = f"{year}-{day}-{month}" if int(day) <= 12 else year
    elif kind == 4:
        out["given_names"] = (out["given_names"] or "")[:-1]
        out["a_number"] = ""
    elif kind == 5:
        out["sex"] = {"F": "M", "M": "F"}.get(out["sex"], "X")
        out["document_number"] = "X" + (out["document_number"] or "1")
    return out


def test_the_look_up_prepares_records_as_the_sql_does(
    small_population: tuple[Path, Path],
) -> None:
    rows = _records(small_population)[:800]
    odd = [
        "María José",
        "MA. JOSÉ",
        "Ma José-Luisa",
        "Gpe",
        "Ñandú Çağlar",
        "Ĳsbrand Œdipe",
        "ﬁliberto",
        "Zoë Þór ßtraße",
        "  ",
        "x\u0301\u034fy",
        "İlkay Iñárritu",
        "de la Cruz",
        "Ⓐna",
        "Ａna",
        "ª",
        "º",
        "123",
    ]
    for i, text in enumerate(odd):
        rows.append(
            memory.clean_record(
                {
                    "record_id": f"odd{i}",
                    "given_names": text,
                    "first_surname": odd[-1 - i],
                    "second_surname": text[::-1],
                    "date_of_birth": ["", "1990", "1990-03-04"][i % 3],
                    "sex": ["F", "M", "X", ""][i % 4],
                    "nationality": "HND" if i % 2 else "",
                    "a_number": ["A012345678", "12345678", ""][i % 3],
                    "document_number": ["ab-12 ß", "ıſ9", ""][i % 3],
                }
            )
        )
    con = memory.connect()
    memory.load_records(con, rows)
    columns = [c for c in model.PREPARED_COLUMNS if c != "rn"]
    sql_rows = con.execute(f"select {', '.join(columns)} from prepared order by rn").fetchall()
    for row, expected in zip(rows, sql_rows, strict=True):
        prepared = lookup.prepare(row)
        got = tuple(
            list(v) if isinstance(v, tuple) else v for v in (getattr(prepared, c) for c in columns)
        )
        assert got == expected, row


def test_the_look_up_finds_what_the_duckdb_matcher_finds(
    small_population: tuple[Path, Path],
) -> None:
    rows = _records(small_population)
    stored, later = rows[:STORED], rows[STORED : STORED + NEW]
    con = memory.connect()
    memory.load_records(con, stored)
    reference = memory.matcher(con, prior_records=100_000)
    fast = lookup.IndexedMatcher(stored, prior_records=100_000)
    assert len(fast) == STORED
    found_any = 0
    for row in [*later, *(_new(r, i) for i, r in enumerate(stored[:NEW]))]:
        expected = reference.find(row, threshold=0.01)
        got = fast.find(row, threshold=0.01)
        assert got == expected, row
        found_any += bool(got)
        assert fast.find(row) == [m for m in expected if m.match_probability >= 0.5]
    assert found_any > NEW // 2  # the altered spellings are found
    # Records added one at a time are found as if they had been there from the start.
    for row in later[:20]:
        memory.matcher_add(reference, row)
        fast.add(row)
    for i, row in enumerate(later[:20]):
        probe = _new(row, i + 1)
        assert fast.find(probe, threshold=0.01) == reference.find(probe, threshold=0.01)
    with pytest.raises(ValueError, match="already stored"):
        fast.add(later[0])


def test_the_look_up_scores_every_blocked_pair_as_splink_does(
    small_population: tuple[Path, Path],
) -> None:
    """Every pair Splink's own prediction scores (its blocking rules, its SQL), scored by the
    look-up: the same probability for each, to the last bit."""
    from splink import DuckDBAPI, Linker

    rows = _records(small_population)[:1200]
    con = duckdb.connect()
    memory.load_records(con, rows)
    settings = model.settings_dict("duckdb", model.load_parameters(None), 100_000)
    linker = Linker(DuckDBAPI(con).register("prepared"), settings, log_level=None)
    scored = con.execute(
        "select unique_id_l, unique_id_r, match_probability from "
        + linker.inference.predict().physical_name
    ).fetchall()
    assert len(scored) > 200
    assert any(p >= 0.99 for *_ids, p in scored) and any(p < 0.5 for *_ids, p in scored)
    fast = lookup.IndexedMatcher([], prior_records=100_000)
    prepared = {r["record_id"]: lookup.prepare(r) for r in rows}
    for left, right, p in scored:
        assert fast.score(prepared[str(left)], prepared[str(right)]) == p, (left, right)
