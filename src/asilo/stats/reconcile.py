"""Check the imported encounters against published totals.

A totals file is YAML with a ``totals`` list; each line has ``name``, ``product`` (a product
name, or ``any``), ``filter`` (report dimensions → value; ``fiscal_year`` may be a list),
``expected`` (a whole number) and ``source`` (the publication). Each line is computed with the
same reports the ``report`` command prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import yaml

from asilo.stats import reports
from asilo.stats.products import PRODUCTS_BY_NAME

DEFAULT_TOTALS = "cbp_published_totals_fy2020_fy2025.yaml"


class TotalsFileError(ValueError):
    """A totals file that cannot be used, with the line entry at fault."""


@dataclass(frozen=True)
class PublishedTotal:
    name: str
    product: str | None
    query: reports.Query
    expected: int
    source: str


@dataclass(frozen=True)
class Check:
    total: PublishedTotal
    actual: int
    rows: int

    @property
    def status(self) -> str:
        """``matched``, ``off`` or ``no data`` (no imported row falls under the filter)."""
        if self.actual == self.total.expected:
            return "matched"
        return "no data" if self.rows == 0 else "off"

    @property
    def difference(self) -> int:
        return self.actual - self.total.expected

    def describe(self) -> str:
        t = self.total
        if self.status == "matched":
            return f"matched  {t.name}: {self.actual:,}"
        if self.status == "no data":
            return f"NO DATA  {t.name}: expected {t.expected:,}, nothing imported under this filter"
        return (
            f"OFF      {t.name}: expected {t.expected:,}, imported {self.actual:,} "
            f"(off by {self.difference:+,})"
        )


def default_totals_text() -> str:
    return (resources.files("asilo.stats") / "published" / DEFAULT_TOTALS).read_text("utf-8")


def load_totals(path: Path | None = None) -> list[PublishedTotal]:
    """Read a totals file (the shipped one when ``path`` is ``None``)."""
    text = default_totals_text() if path is None else path.read_text("utf-8")
    where = DEFAULT_TOTALS if path is None else str(path)
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise TotalsFileError(f"{where}: not YAML: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("totals"), list):
        raise TotalsFileError(f"{where}: expected a mapping with a 'totals' list")
    return [_parse(entry, f"{where}: totals[{i}]") for i, entry in enumerate(doc["totals"])]


def _parse(entry: Any, where: str) -> PublishedTotal:
    if not isinstance(entry, dict):
        raise TotalsFileError(f"{where}: expected a mapping")
    for key in ("name", "expected", "source", "filter"):
        if key not in entry:
            raise TotalsFileError(f"{where}: missing {key!r}")
    expected = entry["expected"]
    if not isinstance(expected, int) or isinstance(expected, bool) or expected < 0:
        raise TotalsFileError(f"{where}: expected must be a whole number, not {expected!r}")
    product = entry.get("product", "any")
    if product in (None, "any"):
        product = None
    elif product not in PRODUCTS_BY_NAME:
        raise TotalsFileError(f"{where}: unknown product {product!r}")
    if not isinstance(entry["filter"], dict):
        raise TotalsFileError(f"{where}: filter must be a mapping")
    region: str | None = None
    years: tuple[int, ...] = ()
    filters: list[tuple[str, str]] = []
    try:
        for key, value in entry["filter"].items():
            dim = reports.dimension(str(key))
            if dim == "region":
                region = str(value)
            elif dim == "fiscal_year":
                years = tuple(int(y) for y in (value if isinstance(value, list) else [value]))
            else:
                filters.append((dim, str(value)))
    except ValueError as exc:
        raise TotalsFileError(f"{where}: {exc}") from exc
    query = reports.Query(
        by=(), region=region, fiscal_years=years, product=product, filters=tuple(filters)
    )
    return PublishedTotal(str(entry["name"]), product, query, expected, str(entry["source"]))


def reconcile(con: duckdb.DuckDBPyConnection, totals: list[PublishedTotal]) -> list[Check]:
    """Compute every published total from the imported data."""
    checks = []
    for t in totals:
        row = reports.totals(con, t.query)[0]
        checks.append(Check(t, int(row["encounters"]), int(row["rows"])))
    return checks
