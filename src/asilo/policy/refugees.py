"""Refugee admissions ceilings by fiscal year and region, answerable by date."""

from __future__ import annotations

from datetime import date, datetime, time

from pydantic import BaseModel, ConfigDict

from asilo.policy.catalogue import Catalogue, InForce
from asilo.policy.decision import ReasonCitation
from asilo.policy.schema import Allocation, RefugeeCeiling, RefugeeSuspension

SUSPENSION = "refugees/admissions_suspension"


def _declare_reads() -> None:
    from asilo.policy.rules.base import reads

    reads(RefugeeCeiling, "fiscal_year", "total", "determination", "allocations")
    reads(Allocation, "group", "kind", "number", "minimum", "maximum")


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
    #: ``refugee_admissions_suspended`` while EO 14163's suspension is in force on ``on``;
    #: ``after_verified_coverage`` when ``on`` is after the catalogue's verified coverage.
    flags: tuple[str, ...] = ()
    suspension: str | None = None
    suspension_citation: ReasonCitation | None = None


def admissions_suspension(catalogue: Catalogue, day: date, clock: time | None = None) -> InForce:
    """The refugee-admissions suspension in force at a moment (``value`` ``None``: none)."""
    return catalogue.in_force(SUSPENSION, datetime.combine(day, clock or time(12, 0)))


def suspension_text(entry: InForce) -> str | None:
    """One line on the suspension in force, or ``None``."""
    if not isinstance(entry.value, RefugeeSuspension) or entry.period is None:
        return None
    from asilo.policy.messages import render

    return render(
        "refugees.suspended",
        {
            "since": str(entry.period.start),
            "instrument": entry.value.instrument,
            "exceptions": entry.value.exceptions,
        },
    )["en"]


def cite(entry: InForce) -> ReasonCitation | None:
    if entry.period is None:
        return None
    first = entry.period.citations[0]
    return ReasonCitation(title=first.title, url=first.url, section=first.section, fact=first.fact)


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
    ceiling = entry.value
    if not isinstance(ceiling, RefugeeCeiling) or ceiling.fiscal_year != fiscal_year:
        raise CeilingQueryError(f"FY: {name} does not hold the FY{fiscal_year} ceiling")
    chosen = None
    if region is not None:
        code = region_code(region)
        if ceiling.allocations is None:
            raise CeilingQueryError(
                f"--region: the FY{fiscal_year} allocations in force on {day} are not known"
            )
        kinds = {a.kind for a in ceiling.allocations}
        if "region" not in kinds:
            groups = "; ".join(a.group for a in ceiling.allocations)
            by = "priority group" if kinds == {"priority_group"} else "category"
            raise CeilingQueryError(
                f"--region: FY{fiscal_year} was allocated by {by}, not region ({groups})"
            )
        chosen = next((a for a in ceiling.allocations if a.group == code), None)
        if chosen is None:
            raise CeilingQueryError(f"--region: FY{fiscal_year} has no allocation for {code}")
    cited = entry.period.citations[0]
    flags: list[str] = []
    suspension = admissions_suspension(catalogue, day)
    if suspension.value is not None:
        flags.append("refugee_admissions_suspended")
    if day > catalogue.verified_through:
        flags.append("after_verified_coverage")
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
        flags=tuple(flags),
        suspension=suspension_text(suspension),
        suspension_citation=cite(suspension) if suspension.value is not None else None,
    )


_declare_reads()
