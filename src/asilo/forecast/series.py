"""Monthly encounter series, named by a SPEC, read from the statistics store or the USBP file.

A SPEC is ``key=value`` terms separated by commas (see docs/forecast.md)::

    region=southwest                        Southwest Land Border, USBP + OFO (the default)
    state=TX                                one state (by-state files); TX+NM sums two
    state=TX,demographic=FMUA               a state's family-unit members
    region=southwest,citizenship=northern-triangle
    sector=rio_grande_valley                USBP apprehensions of one sector, FY2000-FY2020
    state=TX,scale=0.4                      a share of a series (an assumption you state)

Keys: ``region``, ``state``, ``sector``, ``demographic``, ``citizenship``, ``scale``. Values
joined by ``+`` are summed. ``citizenship`` takes CBP's spellings or a named group
(:data:`NATIONALITY_GROUPS`).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import numpy.typing as npt

from asilo.forecast.errors import FieldError
from asilo.stats import reports
from asilo.stats import vocabulary as v

FloatArray = npt.NDArray[np.float64]

#: The USBP monthly apprehensions by sector, FY2000-FY2020 (data/real/README.md).
DEFAULT_SECTOR_FILE = Path("data/real/cbp/usbp_monthly_apprehensions_by_sector_fy2000_fy2020.psv")

KEYS = ("region", "state", "sector", "demographic", "citizenship", "scale")

#: Named nationality groups (CBP's citizenship spellings).
NATIONALITY_GROUPS: dict[str, tuple[str, ...]] = {
    "northern-triangle": ("GUATEMALA", "HONDURAS", "EL SALVADOR"),
    "chnv": ("CUBA", "HAITI", "NICARAGUA", "VENEZUELA"),
    "mexico": ("MEXICO",),
}

DEMOGRAPHIC_ALIASES: dict[str, str] = {
    "single_adult": "Single Adults",
    "single_adults": "Single Adults",
    "family_unit": "FMUA",
    "fmua": "FMUA",
    "unaccompanied_child": "UC / Single Minors",
    "uc": "UC / Single Minors",
    "uac": "UC / Single Minors",
    "accompanied_minor": "Accompanied Minors",
}

#: Sector columns of the USBP file, and the sector names asilo's places use.
SECTOR_NAMES: dict[str, str] = {
    "big_bend": "Big Bend",
    "del_rio": "Del Rio",
    "el_centro": "El Centro",
    "el_paso": "El Paso",
    "laredo": "Laredo",
    "rio_grande_valley": "Rio Grande Valley",
    "san_diego": "San Diego",
    "tucson": "Tucson",
    "yuma": "Yuma",
    "livermore": "Livermore",
    "miami": "Miami",
    "new_orleans": "New Orleans",
    "ramey": "Ramey",
    "blaine": "Blaine",
    "buffalo": "Buffalo",
    "detroit": "Detroit",
    "grand_forks": "Grand Forks",
    "havre": "Havre",
    "houlton": "Houlton",
    "spokane": "Spokane",
    "swanton": "Swanton",
    "southwest_border": "Southwest border (USBP)",
}
SOUTHWEST_SECTORS = (
    "big_bend",
    "del_rio",
    "el_centro",
    "el_paso",
    "laredo",
    "rio_grande_valley",
    "san_diego",
    "tucson",
    "yuma",
)


class SeriesError(FieldError):
    """A bad SPEC or a series that cannot be read. ``field`` names the offending part."""


@dataclass(frozen=True)
class SeriesSpec:
    """A parsed SPEC: every key's values (already in CBP's spellings)."""

    text: str
    region: str | None = "Southwest Land Border"
    states: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    demographics: tuple[str, ...] = ()
    citizenships: tuple[str, ...] = ()
    scale: float = 1.0

    @property
    def label(self) -> str:
        return self.text


def _sector_key(name: str) -> str:
    key = name.strip().lower().replace(" sector", "").replace("-", "_").replace(" ", "_")
    if key in ("rgv",):
        key = "rio_grande_valley"
    if key not in SECTOR_NAMES:
        raise SeriesError(
            "sector", f"unknown sector {name!r}; use one of: {', '.join(SOUTHWEST_SECTORS)}, ..."
        )
    return key


def sector_column(name: str) -> str:
    """The USBP file's column for a sector name (``Rio Grande Valley`` → ``rio_grande_valley``)."""
    return _sector_key(name)


def parse_spec(text: str) -> SeriesSpec:
    """Parse a SPEC; raises :class:`SeriesError` naming the key at fault."""
    terms: dict[str, str] = {}
    for raw in text.split(","):
        if not raw.strip():
            continue
        if "=" not in raw:
            raise SeriesError(
                "series", f"{raw.strip()!r} is not key=value (keys: {', '.join(KEYS)})"
            )
        key, value = (part.strip() for part in raw.split("=", 1))
        key = key.lower()
        if key not in KEYS:
            raise SeriesError("series", f"unknown key {key!r}; use one of: {', '.join(KEYS)}")
        if key in terms:
            raise SeriesError(key, "given twice")
        if not value:
            raise SeriesError(key, "is empty")
        terms[key] = value
    if not terms:
        raise SeriesError("series", "is empty; e.g. region=southwest or state=TX")
    parts = {k: tuple(p.strip() for p in val.split("+") if p.strip()) for k, val in terms.items()}
    region: str | None = "Southwest Land Border"
    if "region" in parts:
        if len(parts["region"]) != 1:
            raise SeriesError("region", "takes one region")
        try:
            region = v.parse_region(parts["region"][0])
        except ValueError as exc:
            raise SeriesError("region", str(exc)) from exc
    states = tuple(s.upper() for s in parts.get("state", ()))
    for state in states:
        if len(state) != 2 or not state.isalpha():
            raise SeriesError("state", f"{state!r} is not a two-letter state code")
    if states and "region" not in parts:
        region = None
    sectors = tuple(_sector_key(s) for s in parts.get("sector", ()))
    if sectors and (states or "region" in parts):
        raise SeriesError("sector", "cannot be combined with region or state")
    demographics = tuple(_demographic(d) for d in parts.get("demographic", ()))
    citizenships: list[str] = []
    for c in parts.get("citizenship", ()):
        citizenships.extend(NATIONALITY_GROUPS.get(c.lower(), (c.upper(),)))
    if sectors and (demographics or citizenships):
        raise SeriesError(
            "sector", "the USBP sector file has no demographic or citizenship; use state= instead"
        )
    scale = 1.0
    if "scale" in parts:
        try:
            scale = float(parts["scale"][0])
        except ValueError as exc:
            raise SeriesError("scale", f"{terms['scale']!r} is not a number") from exc
        if not 0 < scale <= 1000:
            raise SeriesError("scale", f"{scale} must be above 0")
    return SeriesSpec(
        text=",".join(f"{k}={terms[k]}" for k in KEYS if k in terms),
        region=region,
        states=states,
        sectors=sectors,
        demographics=demographics,
        citizenships=tuple(dict.fromkeys(citizenships)),
        scale=scale,
    )


def _demographic(text: str) -> str:
    key = text.strip().lower().replace(" ", "_").replace("-", "_")
    if key in DEMOGRAPHIC_ALIASES:
        return DEMOGRAPHIC_ALIASES[key]
    for canonical in v.DEMOGRAPHIC_SPELLINGS:
        if canonical.lower() == text.strip().lower():
            return v.DEMOGRAPHIC_SPELLINGS[canonical]
    known = ", ".join([*DEMOGRAPHIC_ALIASES, *v.DEMOGRAPHICS])
    raise SeriesError("demographic", f"unknown demographic {text!r}; use one of: {known}")


@dataclass(frozen=True)
class Series:
    """One monthly series: the first day of each month and its encounters (contiguous)."""

    spec: SeriesSpec
    months: tuple[dt.date, ...]
    values: FloatArray
    source: str = ""
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if len(self.months) != len(self.values):
            raise ValueError("months and values differ in length")

    @property
    def label(self) -> str:
        return self.spec.label

    def before(self, month: dt.date) -> Series:
        """The series up to (not including) ``month``."""
        keep = sum(1 for m in self.months if m < month)
        return Series(self.spec, self.months[:keep], self.values[:keep], self.source, self.notes)

    def between(self, first: dt.date, last: dt.date) -> Series:
        idx = [i for i, m in enumerate(self.months) if first <= m <= last]
        if not idx:
            return Series(self.spec, (), np.zeros(0), self.source, self.notes)
        return Series(
            self.spec,
            self.months[idx[0] : idx[-1] + 1],
            self.values[idx[0] : idx[-1] + 1],
            self.source,
            self.notes,
        )


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_month(text: str, field_name: str = "from") -> dt.date:
    try:
        year, month = text.strip().split("-")[:2]
        if len(year) != 4 or len(month) != 2:
            raise ValueError
        return dt.date(int(year), int(month), 1)
    except ValueError as exc:
        raise SeriesError(field_name, f"{text!r} is not a month YYYY-MM") from exc


def _contiguous(counts: Mapping[dt.date, float]) -> tuple[tuple[dt.date, ...], FloatArray]:
    if not counts:
        return (), np.zeros(0)
    first, last = min(counts), max(counts)
    months: list[dt.date] = []
    m = first
    while m <= last:
        months.append(m)
        m = add_months(m, 1)
    return tuple(months), np.array([float(counts.get(m, 0.0)) for m in months])


def _store_months(con: duckdb.DuckDBPyConnection, spec: SeriesSpec) -> dict[dt.date, float]:
    """Months each selected file covers (a filter that matches nothing there counts 0)."""
    query = reports.Query(by=("month",), region=spec.region, product=_product(spec))
    return {_month(r["month"]): 0.0 for r in reports.totals(con, query)}


def _product(spec: SeriesSpec) -> str | None:
    return "nationwide_state" if spec.states else None


def _month(text: str) -> dt.date:
    year, month = text.split("-")
    return dt.date(int(year), int(month), 1)


def load_from_store(con: duckdb.DuckDBPyConnection, spec: SeriesSpec) -> Series:
    """The series from the statistics store (``asilo stats import`` first)."""
    counts = _store_months(con, spec)
    if not counts:
        raise SeriesError(
            "series", "the statistics store has no encounters; run asilo stats import first"
        )
    states: Sequence[str | None] = spec.states or (None,)
    demographics: Sequence[str | None] = spec.demographics or (None,)
    citizenships: Sequence[str | None] = spec.citizenships or (None,)
    found = False
    for state in states:
        for demographic in demographics:
            for citizenship in citizenships:
                filters = tuple(
                    (k, val)
                    for k, val in (
                        ("state", state),
                        ("demographic", demographic),
                        ("citizenship", citizenship),
                    )
                    if val is not None
                )
                try:
                    rows = reports.totals(
                        con,
                        reports.Query(
                            by=("month",),
                            region=spec.region,
                            filters=filters,
                            product=_product(spec),
                        ),
                    )
                except ValueError as exc:
                    raise SeriesError("series", str(exc)) from exc
                for row in rows:
                    found = True
                    month = _month(row["month"])
                    counts[month] = counts.get(month, 0.0) + float(row["encounters"])
    if not found:
        raise SeriesError("series", f"no encounters match {spec.text!r} in the statistics store")
    months, values = _contiguous(counts)
    return Series(spec, months, values * spec.scale, source="statistics store")


def read_sector_file(path: Path = DEFAULT_SECTOR_FILE) -> dict[str, dict[dt.date, float]]:
    """The USBP file: sector column → {month: apprehensions}."""
    if not path.exists():
        raise SeriesError("sector", f"{path}: no such file (the USBP sector file)")
    out: dict[str, dict[dt.date, float]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="|")
        if "month" not in (reader.fieldnames or ()) or "fy" not in (reader.fieldnames or ()):
            raise SeriesError("sector", f"{path}:1: the header has no month or fy column")
        line = 1
        try:
            for line, row in enumerate(reader, start=2):
                try:
                    month_number = int(row["month"])
                    fiscal_year = int(row["fy"])
                    year = fiscal_year - 1 if month_number >= 10 else fiscal_year
                    month = dt.date(year, month_number, 1)
                except (KeyError, ValueError, TypeError) as exc:
                    raise SeriesError("sector", f"{path}:{line}: bad month or fy") from exc
                for column in SECTOR_NAMES:
                    if column in row and row[column] not in (None, ""):
                        try:
                            out.setdefault(column, {})[month] = float(row[column])
                        except (ValueError, TypeError) as exc:
                            raise SeriesError(
                                "sector",
                                f"{path}:{line}: {column}: {row[column]!r} is not a number",
                            ) from exc
        except csv.Error as exc:
            raise SeriesError("sector", f"{path}:{line + 1}: not valid CSV ({exc})") from exc
    return out


def load_sector(spec: SeriesSpec, path: Path = DEFAULT_SECTOR_FILE) -> Series:
    data = read_sector_file(path)
    counts: dict[dt.date, float] = {}
    for sector in spec.sectors:
        if sector not in data:
            raise SeriesError("sector", f"{sector} is not a column of {path}")
        for month, value in data[sector].items():
            counts[month] = counts.get(month, 0.0) + value
    months, values = _contiguous(counts)
    return Series(spec, months, values * spec.scale, source=str(path))


def load_series(
    spec: SeriesSpec | str,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    sector_file: Path = DEFAULT_SECTOR_FILE,
) -> Series:
    """Read a series: sectors from the USBP file, everything else from the store."""
    parsed = parse_spec(spec) if isinstance(spec, str) else spec
    if parsed.sectors:
        return load_sector(parsed, sector_file)
    if con is None:
        raise SeriesError("series", "needs the statistics store (--db)")
    return load_from_store(con, parsed)
