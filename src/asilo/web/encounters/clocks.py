"""Custody clocks: the moment of the encounter in the place's time zone, the TEDS standard and
the statutory limit for unaccompanied children.

- **TEDS 1.8 (fact CUS-01)**: generally, nobody should be held longer than 72 hours in CBP hold
  rooms or holding facilities. An agency standard: exceeding it is a breach to report, not an
  unlawful act. Every custody carries it ("standard"), counted from the encounter.
- **TVPRA (fact UC-02)**: an unaccompanied child is transferred to ORR within 72 hours. A legal
  limit ("legal limit"), counted from the moment the child was encountered alone, or from the
  moment the child became unaccompanied (the last adult of the family unit left custody).
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from asilo.policy.places import find_place

#: TEDS 1.8, Duration of Detention (fact CUS-01): the standard, in hours.
CUSTODY_STANDARD_HOURS = 72
#: TVPRA, 8 U.S.C. 1232(b)(3) (fact UC-02): an unaccompanied child's legal limit, in hours.
UC_LIMIT_HOURS = 72
#: Amber: the standard (or the limit) falls due within this many hours.
NEAR_HOURS = 12

EASTERN = ZoneInfo("America/New_York")
CENTRAL = ZoneInfo("America/Chicago")
MOUNTAIN = ZoneInfo("America/Denver")
ARIZONA = ZoneInfo("America/Phoenix")
PACIFIC = ZoneInfo("America/Los_Angeles")

_BY_STATE = {"CA": PACIFIC, "AZ": ARIZONA, "NM": MOUNTAIN, "TX": CENTRAL}


def place_time_zone(kind: str, name: str) -> ZoneInfo:
    """The time zone of a southwest-border place: California is Pacific, Arizona keeps
    Mountain Standard Time all year, New Mexico and the El Paso sector (El Paso and Hudspeth
    counties, Texas) are Mountain, the rest of Texas is Central. An unknown place: Eastern."""
    place = find_place(kind, name)
    if place is None:
        return EASTERN
    if place.sector == "El Paso" and place.state == "TX":
        return MOUNTAIN
    return _BY_STATE.get(place.state, EASTERN)


def encounter_moment(day: date, clock: time | None, zone: ZoneInfo) -> tuple[datetime, bool]:
    """The moment of the encounter, and whether its time of day is known (when it is not, the
    start of the day, flagged)."""
    if clock is None:
        return datetime.combine(day, time(0, 0), tzinfo=zone), False
    return datetime.combine(day, clock, tzinfo=zone), True


def standard_hours(custody_standard_hours: int | None) -> int:
    """The TEDS standard: the decision's ``custody_standard_hours`` when the policy engine
    gives one, else CUS-01's 72 hours."""
    if custody_standard_hours is not None and custody_standard_hours > 0:
        return custody_standard_hours
    return CUSTODY_STANDARD_HOURS
