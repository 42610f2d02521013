"""Reports over the imported encounters: totals by any dimensions, and three sub-reports.

Every report counts each (month, region) from one file (see :func:`store.select_sources`).
When no product is named, the candidates are the products that carry every dimension the report
groups or filters by (a report by ``aor`` reads the by-AOR files, one by ``state`` the by-state
files). Rows are plain dicts: the grouping keys, then the figures, ready for JSON.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import duckdb

from asilo.stats import store
from asilo.stats import vocabulary as v
from asilo.stats.products import DIMENSIONS, PRODUCTS_BY_NAME

Row = dict[str, Any]

ALIASES: dict[str, str] = {
    "authority": "title_of_authority",
    "title": "title_of_authority",
    "sector": "aor",
    "field_office": "aor",
    "area_of_responsibility": "aor",
    "citizenship_grouping": "citizenship",
    "fy": "fiscal_year",
    "land_border_region": "region",
}

#: How each dimension is written in a report, from the grouped (raw) column of that name.
#: Grouping runs on the stored columns (enums, dates) and formats only the grouped rows.
_ENUM_DIMENSIONS = {"region", "component", "demographic", "title_of_authority", "encounter_type"}
_VOCABULARY: dict[str, dict[str, str]] = {
    "region": v.REGION_SPELLINGS,
    "component": v.COMPONENT_SPELLINGS,
    "demographic": v.DEMOGRAPHIC_SPELLINGS,
    "title_of_authority": v.AUTHORITY_SPELLINGS,
    "encounter_type": v.ENCOUNTER_TYPE_SPELLINGS,
}


def _formatted(d: str) -> str:
    if d == "month":
        return "strftime(month, '%Y-%m') AS month"
    if d in _ENUM_DIMENSIONS:
        return f"{d}::VARCHAR AS {d}"
    return d


def _grouped_sql(by: Sequence[str], aggregates: str, where: str) -> str:
    """Aggregate the selected encounters per ``by`` and format the keys afterwards."""
    if not by:
        return f"SELECT {aggregates} FROM encounters e WHERE {where}"
    raw = ", ".join(f"e.{d} AS {d}" for d in by)
    shown = ", ".join(_formatted(d) for d in by)
    names = ", ".join(a.rsplit(" AS ", 1)[1].strip() for a in _split(aggregates))
    order = ", ".join(str(i) for i in range(1, len(by) + 1))
    return (
        f"SELECT {shown}, {names} FROM (SELECT {raw}, {aggregates} FROM encounters e "
        f"WHERE {where} GROUP BY ALL) ORDER BY {order}"
    )


def _split(aggregates: str) -> list[str]:
    """Split a select list on its top-level commas."""
    parts, depth, current = [], 0, ""
    for ch in aggregates:
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        current += ch
    return [*parts, current]


def dimension(name: str) -> str:
    """The canonical dimension for a name a user typed (``authority`` → ``title_of_authority``)."""
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    key = ALIASES.get(key, key)
    if key not in DIMENSIONS:
        raise ValueError(f"unknown dimension {name!r}; use one of: {', '.join(DIMENSIONS)}")
    return key


def dimensions(names: Iterable[str]) -> tuple[str, ...]:
    """Parse ``--by`` values, each possibly comma-separated, keeping order and dropping repeats."""
    out: list[str] = []
    for name in names:
        for part in name.split(","):
            if part.strip():
                d = dimension(part)
                if d not in out:
                    out.append(d)
    return tuple(out)


@dataclass(frozen=True)
class Query:
    """What to count: the grouping, and the filters every row must pass."""

    by: tuple[str, ...] = ("fiscal_year",)
    region: str | None = None
    fiscal_years: tuple[int, ...] = ()
    product: str | None = None
    #: (dimension, value) pairs; values compared as CBP spells them, case-insensitively.
    filters: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        # Accept the aliases (authority, sector, ...) wherever a query is built.
        object.__setattr__(self, "by", dimensions(self.by))
        object.__setattr__(
            self, "filters", tuple((dimension(d), value) for d, value in self.filters)
        )

    def used_dimensions(self) -> set[str]:
        used = set(self.by) | {d for d, _ in self.filters}
        if self.fiscal_years:
            used.add("fiscal_year")
        return used


def parse_filter(text: str) -> tuple[str, str]:
    """``demographic=FMUA`` → (``demographic``, ``FMUA``)."""
    if "=" not in text:
        raise ValueError(f"filter {text!r} is not DIMENSION=VALUE")
    name, value = text.split("=", 1)
    return dimension(name), value.strip()


def _condition(dim: str, value: str, params: list[Any]) -> str:
    """A SQL condition on the stored column (no per-row cast) and its parameter."""
    text = str(value).strip()
    if dim == "region":
        region = v.parse_region(text)
        if region is None:
            return "TRUE"
        params.append(region)
        return "e.region = ?"
    if dim == "fiscal_year":
        params.append(int(text))
        return "e.fiscal_year = ?"
    if dim == "month":
        try:
            year, month = (int(part) for part in text.split("-")[:2])
            params.append(dt.date(year, month, 1))
        except ValueError as exc:
            raise ValueError(f"month {text!r} is not YYYY-MM") from exc
        return "e.month = ?"
    if dim in _VOCABULARY:
        spellings = {k.lower(): c for k, c in _VOCABULARY[dim].items()}
        spellings.update({"usbp": "U.S. Border Patrol", "ofo": "Office of Field Operations"})
        canonical = spellings.get(text.lower())
        if canonical is None or canonical not in _VOCABULARY[dim].values():
            known = ", ".join(dict.fromkeys(_VOCABULARY[dim].values()))
            raise ValueError(f"unknown {dim} {text!r}; use one of: {known}")
        params.append(canonical)
        return f"e.{dim} = ?"
    params.append(text)
    return f"lower(e.{dim}) = lower(?)"


def _where(con: duckdb.DuckDBPyConnection, query: Query) -> tuple[str, list[Any]]:
    """The WHERE clause (sources and filters) and its parameters."""
    if query.product is not None:
        if query.product not in PRODUCTS_BY_NAME:
            raise ValueError(
                f"unknown product {query.product!r}; known: {', '.join(PRODUCTS_BY_NAME)}"
            )
        missing = query.used_dimensions() - PRODUCTS_BY_NAME[query.product].dimensions
        if missing:
            raise ValueError(f"product {query.product} has no {', '.join(sorted(missing))}")
        products = [query.product]
    else:
        products = store.products_with(query.used_dimensions())
        if not products:
            raise ValueError(
                "no CBP product carries all of: " + ", ".join(sorted(query.used_dimensions()))
            )
    params: list[Any] = []
    terms = [store.select_sources(con, products).predicate("e")]
    if query.region is not None:
        terms.append(_condition("region", query.region, params))
    if query.fiscal_years:
        params.extend(query.fiscal_years)
        terms.append(f"e.fiscal_year IN ({', '.join('?' for _ in query.fiscal_years)})")
    for dim, value in query.filters:
        terms.append(_condition(dim, value, params))
    return " AND ".join(terms), params


def _rows(cursor: duckdb.DuckDBPyConnection) -> list[Row]:
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def totals(con: duckdb.DuckDBPyConnection, query: Query) -> list[Row]:
    """Encounters grouped by ``query.by``: ``[{fiscal_year: 2021, ..., encounters: n}]``.

    With no grouping, one row with ``encounters`` and ``rows`` (how many CBP rows were summed).
    """
    where, params = _where(con, query)
    aggregates = "coalesce(sum(e.encounters), 0)::BIGINT AS encounters"
    if not query.by:
        aggregates += ", count(*) AS rows"
    return _rows(con.execute(_grouped_sql(query.by, aggregates, where), params))


def total(con: duckdb.DuckDBPyConnection, query: Query) -> int:
    """The single total of the encounters ``query`` selects (its grouping ignored)."""
    rows = totals(con, replace(query, by=()))
    return int(rows[0]["encounters"])


def title42_share(con: duckdb.DuckDBPyConnection, query: Query) -> list[Row]:
    """Per group: encounters, those under Title 42 and Title 8, and Title 42's share (0–1)."""
    if "title_of_authority" in query.by:
        raise ValueError("the Title 42 share cannot be grouped by title_of_authority")
    where, params = _where(con, query)
    aggregates = (
        "coalesce(sum(e.encounters), 0)::BIGINT AS encounters, "
        "coalesce(sum(e.encounters) FILTER (e.title_of_authority = 'Title 42'), 0)::BIGINT "
        "AS title_42, "
        "coalesce(sum(e.encounters) FILTER (e.title_of_authority = 'Title 8'), 0)::BIGINT "
        "AS title_8"
    )
    rows = _rows(con.execute(_grouped_sql(query.by, aggregates, where), params))
    for row in rows:
        share = row["title_42"] / row["encounters"] if row["encounters"] else None
        row["title_42_share"] = None if share is None else round(share, 4)
    return rows


def top_citizenships(con: duckdb.DuckDBPyConnection, query: Query, top: int = 10) -> list[Row]:
    """The ``top`` citizenships in each group of ``query.by``, with rank and share of the group.

    CBP's ``OTHER`` (every citizenship it does not list) competes like any other value.
    """
    if top < 1:
        raise ValueError("top must be at least 1")
    by = tuple(d for d in query.by if d != "citizenship")
    where, params = _where(con, replace(query, by=(*by, "citizenship")))
    grouped = _grouped_sql((*by, "citizenship"), "sum(e.encounters)::BIGINT AS encounters", where)
    partition = f"PARTITION BY {', '.join(by)}" if by else ""
    order = ", ".join([*by, "rank"])
    sql = f"""
        SELECT * FROM (
            SELECT *,
                   row_number() OVER ({partition} ORDER BY encounters DESC, citizenship) AS rank,
                   round(encounters / sum(encounters) OVER ({partition}), 4) AS share
            FROM ({grouped})
        ) WHERE rank <= {int(top)} ORDER BY {order}
    """
    rows = _rows(con.execute(sql, params))
    for row in rows:
        row["share"] = float(row["share"])
    return rows


def fiscal_year_to_date(
    con: duckdb.DuckDBPyConnection, query: Query, fiscal_year: int | None = None
) -> list[Row]:
    """This fiscal year's months so far against the prior year's same months, per group.

    ``fiscal_year`` defaults to the latest one in the selected data; "so far" runs to the last
    month of that year present in it. Rows: the groups of ``query.by`` (fiscal year dropped),
    ``fiscal_year``, ``through`` (month abbreviation), ``encounters``, ``prior_year``,
    ``change`` and ``change_percent``.
    """
    by = tuple(d for d in query.by if d not in ("fiscal_year", "month"))
    base = replace(query, by=by, fiscal_years=())
    where, params = _where(con, base)
    fiscal_month = "((month(e.month) + 2) % 12)"  # 0 = October … 11 = September
    if fiscal_year is None:
        row = con.execute(
            f"SELECT max(e.fiscal_year) FROM encounters e WHERE {where}", params
        ).fetchone()
        if row is None or row[0] is None:
            return []
        fiscal_year = int(row[0])
    row = con.execute(
        f"SELECT max({fiscal_month}) FROM encounters e WHERE {where} AND e.fiscal_year = ?",
        [*params, fiscal_year],
    ).fetchone()
    if row is None or row[0] is None:
        return []
    last = int(row[0])
    aggregates = (
        "coalesce(sum(e.encounters) FILTER (e.fiscal_year = ?), 0)::BIGINT AS encounters, "
        "coalesce(sum(e.encounters) FILTER (e.fiscal_year = ?), 0)::BIGINT AS prior_year"
    )
    sql = _grouped_sql(
        by, aggregates, f"{where} AND e.fiscal_year IN (?, ?) AND {fiscal_month} <= ?"
    )
    rows = _rows(
        con.execute(
            sql, [fiscal_year, fiscal_year - 1, *params, fiscal_year, fiscal_year - 1, last]
        )
    )
    out: list[Row] = []
    for r in rows:
        change = r["encounters"] - r["prior_year"]
        percent = round(100 * change / r["prior_year"], 1) if r["prior_year"] else None
        keys_part = {d: r[d] for d in by}
        out.append(
            {
                **keys_part,
                "fiscal_year": fiscal_year,
                "through": v.FISCAL_MONTHS[last],
                "encounters": r["encounters"],
                "prior_year": r["prior_year"],
                "change": change,
                "change_percent": percent,
            }
        )
    return out


def fold_others(rows: list[Row], key: str, keep: int, label: str = "ALL OTHERS") -> list[Row]:
    """Keep the ``keep`` largest values of ``key`` (by total encounters); sum the rest as
    ``label``. Other keys are kept; rows are re-aggregated per (other keys, ``key``)."""
    overall: dict[Any, int] = defaultdict(int)
    for row in rows:
        overall[row[key]] += int(row["encounters"])
    kept = {k for k, _ in sorted(overall.items(), key=lambda kv: (-kv[1], str(kv[0])))[:keep]}
    folded: dict[tuple[Any, ...], int] = defaultdict(int)
    others = [k for k in rows[0] if k not in (key, "encounters")] if rows else []
    for row in rows:
        name = row[key] if row[key] in kept else label
        folded[(*(row[k] for k in others), name)] += int(row["encounters"])
    rank = {k: i for i, (k, _) in enumerate(sorted(overall.items(), key=lambda kv: -kv[1]))}
    rank[label] = len(rank)
    return [
        {**dict(zip(others, group[:-1], strict=True)), key: group[-1], "encounters": n}
        for group, n in sorted(folded.items(), key=lambda kv: (kv[0][:-1], rank[kv[0][-1]]))
    ]
