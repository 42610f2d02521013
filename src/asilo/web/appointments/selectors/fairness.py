"""The fairness report: outcomes and waiting time by nationality, family size, channel and
priority tier, in aggregates only (small groups suppressed)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Any

from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from asilo.stats import disclosure
from asilo.web.appointments.models import (
    Appointment,
    AppointmentStatus,
)
from asilo.web.registrations.forms import NATIONALITIES
from asilo.web.registrations.models import (
    Channel,
    Member,
    Program,
    Registration,
    Status,
)


def _size_group(size: int) -> str:
    if size <= 1:
        return "1"
    if size == 2:
        return "2"
    if size <= 4:
        return "3-4"
    return "5+"


TIER_LABELS = {
    "0": _("0 · urgent medical need"),
    "1": _("1 · vulnerability"),
    "2": _("2 · everyone else"),
}


#: Family-size groups in their natural order (not by how many families each holds).
SIZE_ORDER = ("1", "2", "3-4", "5+")


def group_label(dimension: str, group: str) -> str:
    """A group's name in the reader's language: nationalities by name (the form's list;
    the ISO code beside it), channels and tiers in words, family sizes with an en dash."""
    if dimension == "channel":
        return str(dict(Channel.choices).get(group, group))
    if dimension == "tier":
        return str(TIER_LABELS.get(group, group))
    if dimension == "nationality":
        name = dict(NATIONALITIES).get(group)
        return f"{name} ({group})" if name else group
    if dimension == "family_size":
        return group.replace("-", "–")
    return group


def _cell_order(dimension: str, cell: FairnessCell) -> tuple[Any, ...]:
    if dimension == "family_size":
        order = SIZE_ORDER.index(cell.group) if cell.group in SIZE_ORDER else len(SIZE_ORDER)
        return (order,)
    if dimension == "tier":
        return (cell.group,)
    return (-cell.registrations, cell.label)


@dataclass
class FairnessCell:
    dimension: str
    group: str
    registrations: int = 0
    allocated: int = 0
    checked_in: int = 0
    no_shows: int = 0
    waits: list[int] | None = None
    suppressed: bool = False
    #: The measures withheld (from 1 to 9, or complementary) for a role seeing only aggregates.
    withheld: set[str] = field(default_factory=set)

    def _shown(self, measure: str) -> disclosure.Count:
        return disclosure.WITHHELD if measure in self.withheld else int(getattr(self, measure))

    @property
    def allocated_shown(self) -> disclosure.Count:
        return self._shown("allocated")

    @property
    def checked_in_shown(self) -> disclosure.Count:
        return self._shown("checked_in")

    @property
    def no_shows_shown(self) -> disclosure.Count:
        return self._shown("no_shows")

    @property
    def label(self) -> str:
        return group_label(self.dimension, self.group)

    @property
    def allocated_share(self) -> float | None:
        if self.suppressed or not self.registrations or "allocated" in self.withheld:
            return None
        return self.allocated / self.registrations

    @property
    def median_wait_days(self) -> float | None:
        if self.suppressed or not self.waits or "allocated" in self.withheld:
            return None
        return float(statistics.median(self.waits))


def min_cell() -> int:
    return int(getattr(settings, "ASILO_FAIRNESS_MIN_CELL", 5))


def shown_min_cell(*, withhold: bool) -> int:
    """The smallest group shown: ``ASILO_FAIRNESS_MIN_CELL``, and at least 10 (DHS OHSS) for
    a role that sees only aggregates."""
    return max(min_cell(), disclosure.MIN_COUNT) if withhold else min_cell()


MEASURES = ("allocated", "checked_in", "no_shows")


def _withhold_small_counts(cells: list[FairnessCell], smallest: int) -> None:
    """One dimension for a role that sees only aggregates: a dimension's groups add up to
    the same totals as every other dimension's, so each count (families, and each measure)
    is withheld from 1 to 9 with a complementary group (:mod:`asilo.stats.disclosure`)."""
    line = [list(range(len(cells)))]
    small = disclosure.withheld_cells([c.registrations for c in cells], line, min_count=smallest)
    for measure in MEASURES:
        counts = [int(getattr(c, measure)) for c in cells]
        withheld = disclosure.withheld_cells(counts, line, hidden=small)
        for i in withheld - small:
            cells[i].withheld.add(measure)
    for i in small:
        cells[i].suppressed = True


def fairness_report(program: Program, *, withhold: bool = False) -> dict[str, list[FairnessCell]]:
    """Outcomes and waiting time (days from registration, or MPP enrolment, to the first
    appointment) by nationality of the person registering, family size, channel and priority
    tier. Aggregates only; groups smaller than ``ASILO_FAIRNESS_MIN_CELL`` are suppressed.
    ``withhold`` (a role that sees only aggregates): groups under 10 families suppressed and
    every count from 1 to 9 withheld, with complementary cells."""
    regs = list(
        Registration.objects.filter(program=program)
        .exclude(status=Status.NOT_ELIGIBLE)
        .annotate(
            n_members=Count("members", distinct=True),
        )
        .values("id", "channel", "tier", "registered_on", "mpp_enrolled_on", "n_members")
    )
    principal = dict(
        Member.objects.filter(registration__program=program, position=0).values_list(
            "registration_id", "nationality"
        )
    )
    firsts: dict[int, date] = {}
    outcomes: dict[int, set[str]] = defaultdict(set)
    for a in (
        Appointment.objects.filter(run__program=program)
        .order_by("created_at", "id")
        .values("registration_id", "date", "status")
    ):
        firsts.setdefault(a["registration_id"], a["date"])
        outcomes[a["registration_id"]].add(a["status"])
    dims: dict[str, dict[str, FairnessCell]] = {
        "nationality": {},
        "family_size": {},
        "channel": {},
        "tier": {},
    }
    for r in regs:
        keys = {
            "nationality": principal.get(r["id"], "?"),
            "family_size": _size_group(r["n_members"]),
            "channel": r["channel"],
            "tier": str(r["tier"]),
        }
        waited_from = r["mpp_enrolled_on"] or timezone.localdate(r["registered_on"])
        for dim, key in keys.items():
            cell = dims[dim].setdefault(key, FairnessCell(dim, key, waits=[]))
            cell.registrations += 1
            if r["id"] in firsts:
                cell.allocated += 1
                assert cell.waits is not None
                cell.waits.append((firsts[r["id"]] - waited_from).days)
            cell.checked_in += int(AppointmentStatus.CHECKED_IN in outcomes[r["id"]])
            cell.no_shows += int(AppointmentStatus.NO_SHOW in outcomes[r["id"]])
    smallest = shown_min_cell(withhold=withhold)
    report: dict[str, list[FairnessCell]] = {}
    for dim, cells in dims.items():
        if withhold:
            _withhold_small_counts(list(cells.values()), smallest)
        for cell in cells.values():
            if cell.registrations < smallest or cell.suppressed:
                cell.suppressed = True
                cell.allocated = cell.checked_in = cell.no_shows = 0
                cell.waits = []
        report[dim] = sorted(cells.values(), key=partial(_cell_order, dim))
    return report
