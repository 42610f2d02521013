"""asilo's own encounters in CBP's Nationwide Encounters by area of responsibility schema.

The case application hands plain :class:`OwnEncounter` records (one per encounter of a person,
or a count of them); :func:`to_cbp_rows` puts them in CBP's categories the way CBP defines them
(fact ST-01 to ST-06 of the domain notes):

* demographic: Single Adults, FMUA (each member of a family unit), UC / Single Minors,
  Accompanied Minors (OFO only: CBP publishes that category for ports of entry alone);
* encounter type: Title 42 → Expulsions; Title 8 → Apprehensions (USBP) or Inadmissibles (OFO);
* citizenship: CBP's upper-case names (``CHINA, PEOPLES REPUBLIC OF``) for the countries CBP
  lists in its FY2020–FY2023 releases, ``OTHER`` for every other country, as CBP does;
* fiscal year and month abbreviation from the encounter's date; Month Grouping ``FYTD``.

:func:`write_cbp_csv` writes the rows with CBP's header, so ``asilo stats import`` reads them
back as the ``nationwide_aor`` product, to the same totals.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import IO, Any

from asilo import outputfiles
from asilo.csvsafe import safe_dict
from asilo.policy.countries import is_iso3
from asilo.stats import vocabulary as v
from asilo.stats.products import NATIONWIDE_AOR

HEADER: tuple[str, ...] = tuple(published for _, published in NATIONWIDE_AOR.columns)

#: asilo's own spellings (the policy engine's and the case application's) → CBP's.
DEMOGRAPHIC_FROM_ASILO: dict[str, str] = {
    "single_adult": "Single Adults",
    "family_unit": "FMUA",
    "unaccompanied_child": "UC / Single Minors",
    "accompanied_minor": "Accompanied Minors",
    **v.DEMOGRAPHIC_SPELLINGS,
}
AUTHORITY_FROM_ASILO: dict[str, str] = {
    "title_8": "Title 8",
    "title_42": "Title 42",
    **v.AUTHORITY_SPELLINGS,
}


class ExportError(ValueError):
    """A record that cannot be put in CBP's categories; says which record and why."""


@dataclass(frozen=True)
class OwnEncounter:
    """One of asilo's encounters (or ``count`` alike), as the case application records it."""

    date: dt.date
    component: str  # USBP or OFO (CBP's full names accepted)
    aor_name: str  # "Rio Grande Valley Sector", "Laredo Field Office"
    aor_abbv: str  # "RGV", "Laredo"
    region: str  # "southwest", "Southwest Land Border", ...
    demographic: str  # single_adult | family_unit | unaccompanied_child | accompanied_minor
    citizenship: str  # ISO 3166-1 alpha-3
    authority: str  # title_8 | title_42
    count: int = 1


@cache
def cbp_citizenships() -> dict[str, str]:
    """ISO alpha-3 → CBP's spelling, for the countries CBP names in its releases."""
    text = (resources.files("asilo.stats") / "cbp_citizenships.csv").read_text("utf-8")
    return {row["iso3"]: row["cbp_citizenship"] for row in csv.DictReader(io.StringIO(text))}


def cbp_citizenship(iso3: str) -> str:
    """CBP's name for a citizenship: ``CHN`` → ``CHINA, PEOPLES REPUBLIC OF``; unlisted → OTHER."""
    code = iso3.strip().upper()
    if not is_iso3(code):
        raise ExportError(f"citizenship {iso3!r} is not an ISO 3166-1 alpha-3 code")
    return cbp_citizenships().get(code, "OTHER")


def cbp_row_key(record: OwnEncounter) -> tuple[str, ...]:
    """The CBP cells (in :data:`HEADER` order, without the count) one record falls in."""
    component = v.COMPONENT_SPELLINGS.get(record.component.strip())
    if component is None:
        raise ExportError(f"component {record.component!r} is not USBP or OFO")
    try:
        region = v.parse_region(record.region)
    except ValueError as exc:
        raise ExportError(str(exc)) from exc
    if region is None:
        raise ExportError("region must be one land border region, not all")
    demographic = DEMOGRAPHIC_FROM_ASILO.get(record.demographic.strip())
    if demographic is None:
        raise ExportError(f"demographic {record.demographic!r} has no CBP category")
    if demographic == "Accompanied Minors" and component != "Office of Field Operations":
        raise ExportError(
            "CBP counts Accompanied Minors only at ports of entry (OFO), not for USBP"
        )
    authority = AUTHORITY_FROM_ASILO.get(record.authority.strip())
    if authority is None:
        raise ExportError(f"authority {record.authority!r} is not Title 8 or Title 42")
    if not record.aor_name.strip() or not record.aor_abbv.strip():
        raise ExportError("area of responsibility name and abbreviation are both needed")
    return (
        str(v.fiscal_year_of(record.date)),
        "FYTD",
        v.month_abbv_of(record.date),
        component,
        region,
        record.aor_name.strip(),
        record.aor_abbv.strip(),
        demographic,
        cbp_citizenship(record.citizenship),
        authority,
        v.encounter_type_for(component, authority),
    )


def to_cbp_rows(records: Iterable[OwnEncounter]) -> list[dict[str, Any]]:
    """Sum the records into CBP's rows: one dict per cell, keys as CBP's header."""
    counts: Counter[tuple[str, ...]] = Counter()
    for i, record in enumerate(records):
        if record.count < 0:
            raise ExportError(f"record {i + 1}: count {record.count} is negative")
        try:
            counts[cbp_row_key(record)] += record.count
        except ExportError as exc:
            raise ExportError(f"record {i + 1}: {exc}") from exc

    def order(key: tuple[str, ...]) -> tuple[Any, ...]:
        return (int(key[0]), v.FISCAL_MONTHS.index(key[2]), *key[3:])

    return [
        {**dict(zip(HEADER[:-1], key, strict=True)), HEADER[-1]: counts[key]}
        for key in sorted(counts, key=order)
    ]


def write_cbp_csv(records: Iterable[OwnEncounter], out: Path | IO[str]) -> int:
    """Write the records as a CBP by-AOR CSV; returns the number of rows written."""
    rows = to_cbp_rows(records)
    if isinstance(out, Path):
        with (
            outputfiles.replacing(out) as temporary,
            temporary.open("w", encoding="utf-8", newline="") as f,
        ):
            return _write(rows, f)
    return _write(rows, out)


def _write(rows: list[dict[str, Any]], f: IO[str]) -> int:
    writer = csv.DictWriter(f, fieldnames=list(HEADER), lineterminator="\n")
    writer.writeheader()
    writer.writerows(safe_dict(r) for r in rows)
    return len(rows)


OWN_COLUMNS: tuple[str, ...] = (
    "date",
    "component",
    "aor_name",
    "aor_abbv",
    "region",
    "demographic",
    "citizenship",
    "authority",
    "count",
)


def read_own_encounters_csv(path: Path) -> list[OwnEncounter]:
    """Read asilo encounter records from a CSV with :data:`OWN_COLUMNS` (``count`` optional).

    Errors name the file and line (the header is line 1).
    """
    records: list[OwnEncounter] = []
    reader: Any = None
    try:
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            missing = [
                c for c in OWN_COLUMNS if c != "count" and c not in (reader.fieldnames or [])
            ]
            if missing:
                raise ExportError(f"{path.name}:1: missing column {', '.join(missing)}")
            for row in reader:
                line = reader.line_num
                if None in row.values() or None in row:
                    raise ExportError(
                        f"{path.name}:{line}: number of values differs from the header"
                    )
                try:
                    record = OwnEncounter(
                        date=dt.date.fromisoformat(row["date"].strip()),
                        component=row["component"],
                        aor_name=row["aor_name"],
                        aor_abbv=row["aor_abbv"],
                        region=row["region"],
                        demographic=row["demographic"],
                        citizenship=row["citizenship"],
                        authority=row["authority"],
                        count=int(row.get("count") or 1),
                    )
                    if record.count < 0:
                        raise ValueError(f"count {record.count} is negative")
                    cbp_row_key(record)
                except (ValueError, TypeError, AttributeError) as exc:
                    raise ExportError(f"{path.name}:{line}: {exc}") from exc
                records.append(record)
    except csv.Error as exc:  # a NUL byte, a field over the CSV reader's limit
        line = reader.line_num if reader is not None else 1
        raise ExportError(f"{path.name}:{line}: not valid CSV ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise ExportError(f"{path.name}: not UTF-8 text ({exc.reason})") from exc
    return records
