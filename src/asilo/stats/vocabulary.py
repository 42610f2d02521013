"""CBP's statistical categories, as CBP spells them, and the spellings its products use.

The canonical spellings are those of CBP's Nationwide Encounters files (fact ST-02, ST-06 in
the domain notes). Each product's own spellings map onto them here and nowhere else.
"""

from __future__ import annotations

import datetime as dt

REGIONS: tuple[str, ...] = ("Southwest Land Border", "Northern Land Border", "Other")
COMPONENTS: tuple[str, ...] = ("U.S. Border Patrol", "Office of Field Operations")
DEMOGRAPHICS: tuple[str, ...] = (
    "Single Adults",
    "FMUA",
    "UC / Single Minors",
    "Accompanied Minors",
)
AUTHORITIES: tuple[str, ...] = ("Title 8", "Title 42")
ENCOUNTER_TYPES: tuple[str, ...] = ("Apprehensions", "Inadmissibles", "Expulsions")
MONTH_GROUPINGS: tuple[str, ...] = ("FYTD", "Remaining")

#: CBP's month abbreviations, January first.
CALENDAR_MONTHS: tuple[str, ...] = (
    "JAN",
    "FEB",
    "MAR",
    "APR",
    "MAY",
    "JUN",
    "JUL",
    "AUG",
    "SEP",
    "OCT",
    "NOV",
    "DEC",
)
#: The same in fiscal-year order (the fiscal year starts on 1 October).
FISCAL_MONTHS: tuple[str, ...] = CALENDAR_MONTHS[9:] + CALENDAR_MONTHS[:9]
CALENDAR_MONTH_NUMBER: dict[str, int] = {
    abbv: number for number, abbv in enumerate(CALENDAR_MONTHS, start=1)
}


def _spellings(canonical: tuple[str, ...], others: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """Spelling → canonical spelling: each canonical spelling, followed by its ``others``."""
    return {spelling: name for name in canonical for spelling in (name, *others.get(name, ()))}


#: Spellings seen in CBP's products (and accepted abbreviations) → canonical spelling.
COMPONENT_SPELLINGS: dict[str, str] = _spellings(
    COMPONENTS, {"U.S. Border Patrol": ("USBP",), "Office of Field Operations": ("OFO",)}
)
DEMOGRAPHIC_SPELLINGS: dict[str, str] = _spellings(
    DEMOGRAPHICS, {"UC / Single Minors": ("UAC", "UAC / Single Minors")}
)
REGION_SPELLINGS: dict[str, str] = _spellings(REGIONS, {})
AUTHORITY_SPELLINGS: dict[str, str] = _spellings(AUTHORITIES, {})
ENCOUNTER_TYPE_SPELLINGS: dict[str, str] = _spellings(ENCOUNTER_TYPES, {})

#: What a user may type for a region (compared after lower-casing and trimming).
REGION_NAMES: dict[str, str | None] = {
    "southwest": "Southwest Land Border",
    "southwest land border": "Southwest Land Border",
    "southwest_land_border": "Southwest Land Border",
    "swb": "Southwest Land Border",
    "northern": "Northern Land Border",
    "northern land border": "Northern Land Border",
    "northern_land_border": "Northern Land Border",
    "other": "Other",
    "all": None,
    "nationwide": None,
}


def parse_region(name: str) -> str | None:
    """The canonical region for a user's spelling; ``None`` means every region.

    Raises ``ValueError`` naming the accepted spellings when ``name`` is none of them.
    """
    key = " ".join(name.strip().lower().split())
    if key not in REGION_NAMES:
        accepted = "southwest, northern, other, all (or " + ", ".join(REGIONS) + ")"
        raise ValueError(f"unknown region {name!r}; use one of: {accepted}")
    return REGION_NAMES[key]


def calendar_month(fiscal_year: int, month_abbv: str) -> dt.date:
    """The first day of the calendar month that ``month_abbv`` of ``fiscal_year`` names.

    October, November and December belong to the fiscal year that starts in them, so they fall
    in the previous calendar year (OCT of FY2021 is October 2020).
    """
    number = CALENDAR_MONTH_NUMBER[month_abbv]
    year = fiscal_year - 1 if number >= 10 else fiscal_year
    return dt.date(year, number, 1)


def fiscal_year_of(day: dt.date) -> int:
    """The fiscal year a date falls in."""
    return day.year + 1 if day.month >= 10 else day.year


def month_abbv_of(day: dt.date) -> str:
    """CBP's month abbreviation for a date (``APR``)."""
    return CALENDAR_MONTHS[day.month - 1]


def encounter_type_for(component: str, authority: str) -> str:
    """CBP's encounter type: Title 42 → Expulsions; Title 8 → Apprehensions (USBP) or
    Inadmissibles (OFO) (fact ST-01)."""
    if authority == "Title 42":
        return "Expulsions"
    if component == "U.S. Border Patrol":
        return "Apprehensions"
    return "Inadmissibles"
