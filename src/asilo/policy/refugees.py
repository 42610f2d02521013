"""Refugee admissions ceilings by fiscal year and region, answerable by date."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import cast

from pydantic import BaseModel, ConfigDict

from asilo.policy.catalogue import Catalogue
from asilo.policy.decision import ReasonCitation
from asilo.policy.schema import Allocation, RefugeeCeiling

REGIONS = {
    "AF": "Africa",
    "EA": "East Asia",
    "ECA": "Europe and Central Asia",
    "LAC": "Latin America and the Caribbean",
    "NESA": "Near East and South Asia",
    "UR": "Unallocated reserve",
}


class CeilingQueryError(ValueError):
    """A refugee-ceiling question the catalogue cannot answer; the message says why."""


class CeilingAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    fiscal_year: int
    on: date
    total: int
    determination: str
    in_force_from: date
    allocations: tuple[Allocation, ...] | None
    region: Allocation | None
    citation: ReasonCitation
    uncertain: str | None
    history: tuple[tuple[date, int, str], ...]


def region_code(region: str) -> str:
    """``AF``, ``africa``, ``Latin America and the Caribbean``... -> the region code."""
    wanted = region.strip().casefold()
    for code, name in REGIONS.items():
        if wanted in (code.casefold(), name.casefold()):
            return code
    raise CeilingQueryError(f"--region: unknown region {region!r}; use one of {', '.join(REGIONS)}")


def refugee_ceiling(
    catalogue: Catalogue, fiscal_year: int, *, on: date | None = None, region: str | None = None
) -> CeilingAnswer:
    """The ceiling for ``fiscal_year`` in force on ``on`` (default: the year's last day)."""
    name = f"refugees/ceiling/fy{fiscal_year}"
    if name not in catalogue.documents:
        years = sorted(int(n.rsplit("fy", 1)[1]) for n in catalogue.documents if "ceiling/fy" in n)
        raise CeilingQueryError(f"FY: no ceiling for FY{fiscal_year}; the catalogue has {years}")
    day = on or date(fiscal_year, 9, 30)
    entry = catalogue.in_force(name, datetime.combine(day, time(12, 0)))
    document = catalogue.documents[name]
    if entry.value is None or entry.period is None:
        first = document.values[0].start
        raise CeilingQueryError(
            f"--on: no FY{fiscal_year} determination was in force on {day}"
            f" (the first is of {first})"
        )
    ceiling = cast(RefugeeCeiling, entry.value)
    chosen = None
    if region is not None:
        code = region_code(region)
        if ceiling.allocations is None:
            raise CeilingQueryError(
                f"--region: the FY{fiscal_year} allocations in force on {day} are not known"
            )
        if all(a.kind == "category" for a in ceiling.allocations):
            groups = "; ".join(a.group for a in ceiling.allocations)
            raise CeilingQueryError(
                f"--region: FY{fiscal_year} was allocated by category, not region ({groups})"
            )
        chosen = next((a for a in ceiling.allocations if a.group == code), None)
        if chosen is None:
            raise CeilingQueryError(f"--region: FY{fiscal_year} has no allocation for {code}")
    cited = entry.period.citations[0]
    history = tuple(
        (p.start, RefugeeCeiling.model_validate(p.value).total, p.citations[0].fact)
        for p in document.values
        if p.value is not None
    )
    return CeilingAnswer(
        fiscal_year=fiscal_year,
        on=day,
        total=ceiling.total,
        determination=ceiling.determination,
        in_force_from=entry.period.start,
        allocations=None if ceiling.allocations is None else tuple(ceiling.allocations),
        region=chosen,
        citation=ReasonCitation(
            title=cited.title, url=cited.url, section=cited.section, fact=cited.fact
        ),
        uncertain=entry.period.uncertain,
        history=history,
    )
