"""CBP's encounter products, recognised by their columns.

Each product is a list of columns; a column has a canonical name (used in asilo's schema) and
the header CBP prints. A header written in snake_case (``month_abbv``, as tidytuesday's
``janitor::clean_names`` leaves it) is the same column: headers are compared after
:func:`header_key` folds both spellings to one key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Dimensions a report can group or filter by, and the canonical column behind each.
DIMENSIONS: tuple[str, ...] = (
    "fiscal_year",
    "month",
    "region",
    "component",
    "aor",
    "state",
    "demographic",
    "citizenship",
    "title_of_authority",
    "encounter_type",
)


@dataclass(frozen=True)
class Product:
    """One CBP encounter product: its name in asilo, CBP's title and its columns."""

    name: str
    title: str
    #: (canonical column, header as CBP prints it), in CBP's order.
    columns: tuple[tuple[str, str], ...]
    #: Dimensions whose values this product carries (others are absent, shown as empty).
    dimensions: frozenset[str]
    #: Values every row has although no column says so (the Southwest file's region).
    implicit: tuple[tuple[str, str], ...] = ()

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(header_key(header) for _, header in self.columns)

    def canonical(self, header: str) -> str:
        """The canonical column for one of this product's headers."""
        key = header_key(header)
        for name, published in self.columns:
            if header_key(published) == key:
                return name
        raise KeyError(header)


#: The columns every product starts with: when the counts happened.
_PERIOD = (
    ("fiscal_year", "Fiscal Year"),
    ("month_grouping", "Month Grouping"),
    ("month_abbv", "Month (abbv)"),
)

_COMMON_DIMENSIONS = {"fiscal_year", "month", "region", "demographic", "citizenship"}

NATIONWIDE_AOR = Product(
    name="nationwide_aor",
    title="CBP Nationwide Encounters by area of responsibility",
    columns=(
        *_PERIOD,
        ("component", "Component"),
        ("region", "Land Border Region"),
        ("aor", "Area of Responsibility"),
        ("aor_abbv", "AOR (Abbv)"),
        ("demographic", "Demographic"),
        ("citizenship", "Citizenship"),
        ("title_of_authority", "Title of Authority"),
        ("encounter_type", "Encounter Type"),
        ("encounter_count", "Encounter Count"),
    ),
    dimensions=frozenset(
        _COMMON_DIMENSIONS | {"component", "aor", "title_of_authority", "encounter_type"}
    ),
)

NATIONWIDE_STATE = Product(
    name="nationwide_state",
    title="CBP Nationwide Encounters by state",
    columns=(
        *_PERIOD,
        ("region", "Land Border Region"),
        ("state", "State"),
        ("demographic", "Demographic"),
        ("citizenship", "Citizenship"),
        ("title_of_authority", "Title of Authority"),
        ("encounter_count", "Encounter Count"),
    ),
    dimensions=frozenset(_COMMON_DIMENSIONS | {"state", "title_of_authority"}),
)

SOUTHWEST = Product(
    name="southwest_land_border",
    title="CBP Southwest Land Border Encounters",
    columns=(
        *_PERIOD,
        ("component", "Component"),
        ("demographic", "Demographic"),
        ("citizenship", "Citizenship Grouping"),
        ("title_of_authority", "Title of Authority"),
        ("encounter_type", "Encounter Type"),
        ("encounter_count", "Encounter Count"),
    ),
    dimensions=frozenset(
        _COMMON_DIMENSIONS | {"component", "title_of_authority", "encounter_type"}
    ),
    implicit=(("region", "Southwest Land Border"),),
)

PRODUCTS: tuple[Product, ...] = (NATIONWIDE_AOR, NATIONWIDE_STATE, SOUTHWEST)
PRODUCTS_BY_NAME: dict[str, Product] = {product.name: product for product in PRODUCTS}


def header_key(header: str) -> str:
    """Fold a header to snake_case: ``Month (abbv)`` and ``month_abbv`` give ``month_abbv``."""
    return re.sub(r"[^0-9a-z]+", "_", header.strip().lower()).strip("_")


@dataclass(frozen=True)
class Recognition:
    """The product a header names, or the closest one and what does not match."""

    product: Product
    missing: tuple[str, ...]
    unmapped: tuple[str, ...]
    duplicated: tuple[str, ...]

    @property
    def exact(self) -> bool:
        return not (self.missing or self.unmapped or self.duplicated)

    def problem(self) -> str:
        """One sentence saying why the header is not exactly this product's."""
        parts = []
        if self.missing:
            parts.append("missing column " + ", ".join(repr(m) for m in self.missing))
        if self.unmapped:
            parts.append("column not mapped " + ", ".join(repr(u) for u in self.unmapped))
        if self.duplicated:
            parts.append("column repeated " + ", ".join(repr(d) for d in self.duplicated))
        return f"header is not a known CBP product (closest: {self.product.title}): " + "; ".join(
            parts
        )


def recognise(headers: list[str]) -> Recognition:
    """Which product a file's header row belongs to (the best match if none fits exactly)."""
    keys = [header_key(h) for h in headers]
    duplicated = tuple(sorted({h for h, k in zip(headers, keys, strict=True) if keys.count(k) > 1}))
    best: Recognition | None = None
    for product in PRODUCTS:
        missing = tuple(
            published for _, published in product.columns if header_key(published) not in keys
        )
        unmapped = tuple(h for h, k in zip(headers, keys, strict=True) if k not in product.keys)
        candidate = Recognition(product, missing, unmapped, duplicated)
        if best is None or len(missing) + len(unmapped) < len(best.missing) + len(best.unmapped):
            best = candidate
    assert best is not None
    return best
