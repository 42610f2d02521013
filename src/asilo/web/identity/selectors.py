"""Reads of identity resolution: "seen before", the review queue and its pairs (each view
audited), the labels for evaluation, and the statistics of unique individuals."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction

from asilo.linkage.records import RECORD_COLUMNS, RecordFields
from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_change, audit_record
from asilo.web.core.access import require
from asilo.web.core.roles import Capability, has_capability
from asilo.web.encounters.models import Custody, EncounterPerson
from asilo.web.encounters.seen_before import SeenBefore
from asilo.web.identity import records
from asilo.web.identity.common import PAIR, Components
from asilo.web.identity.errors import IdentityError
from asilo.web.identity.errors import IdentityErrorCode as C
from asilo.web.identity.models import (
    IdentityRecord,
    LinkRun,
    PairStatus,
    ReviewDecision,
    ReviewPair,
    Source,
)
from asilo.web.people.models import Person
from asilo.web.registrations.models import Member

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from asilo.web.accounts.models import User

    Actor = User | AnonymousUser | None


# --- seen before --------------------------------------------------------------------------


def seen_before(
    *,
    actor: Actor,
    encounter_id: int,
    direct: Mapping[str, Mapping[str, float]] | None = None,
) -> dict[int, list[SeenBefore]] | None:
    """Each person's earlier encounters (dated before this one, or the same day and
    recorded before it) by the stored identities, newest first; ``None`` for a role that
    may not see encounters. ``direct``: the match probabilities found when the encounter
    was recorded (``{new record id: {stored record id: p}}``). Audited when anything is
    shown."""
    if not (
        has_capability(actor, Capability.ENCOUNTER_VIEW)
        and has_capability(actor, Capability.PERSON_VIEW)
    ):
        return None
    present = list(
        EncounterPerson.objects.filter(encounter_id=encounter_id).values_list(
            "person_id", "encounter__encounter_date"
        )
    )
    if not present:
        return {}
    person_ids = [pid for pid, _on in present]
    on: date = present[0][1]
    own = {
        r["person_id"]: r
        for r in IdentityRecord.objects.filter(person_id__in=person_ids).values(
            "person_id", "identity_id", "match_probability"
        )
    }
    same = defaultdict(list)
    for r in IdentityRecord.objects.filter(
        identity_id__in={r["identity_id"] for r in own.values()}, source=Source.PERSON
    ).values("identity_id", "person_id", "match_probability"):
        same[r["identity_id"]].append(r)
    earlier_people = {r["person_id"] for rs in same.values() for r in rs}
    sightings: list[dict[str, Any]] = [
        dict(row)
        for row in EncounterPerson.objects.filter(person_id__in=earlier_people)
        .exclude(encounter_id=encounter_id)
        .filter(encounter__encounter_date__lte=on)
        .values(
            "person_id",
            "pathway",
            "encounter_id",
            "encounter__encounter_date",
            "encounter__place_name",
        )
    ]
    sightings = [
        s
        for s in sightings
        if s["encounter__encounter_date"] < on or s["encounter_id"] < encounter_id
    ]
    outcomes = {
        (c["encounter_id"], c["person_id"]): c["outcome"] or None
        for c in Custody.objects.filter(
            encounter_id__in={s["encounter_id"] for s in sightings},
            person_id__in=earlier_people,
        ).values("encounter_id", "person_id", "outcome")
    }
    by_person: dict[int, list[Any]] = defaultdict(list)
    for s in sightings:
        by_person[s["person_id"]].append(s)
    result: dict[int, list[SeenBefore]] = {}
    for pid in person_ids:
        mine = own.get(pid)
        found: dict[int, SeenBefore] = {}
        if mine is not None:
            direct_p = (direct or {}).get(records.person_record_id(pid), {})
            for other in same[mine["identity_id"]]:
                if other["person_id"] == pid:
                    p = 1.0
                else:
                    p = direct_p.get(
                        records.person_record_id(other["person_id"]),
                        min(mine["match_probability"], other["match_probability"]),
                    )
                for s in by_person.get(other["person_id"], []):
                    seen = SeenBefore(
                        encounter_id=s["encounter_id"],
                        date=s["encounter__encounter_date"],
                        place=s["encounter__place_name"],
                        pathway=s["pathway"],
                        outcome=outcomes.get((s["encounter_id"], other["person_id"])),
                        match_probability=round(p, 6),
                    )
                    held = found.get(seen.encounter_id)
                    if held is None or held.match_probability < seen.match_probability:
                        found[seen.encounter_id] = seen
        result[pid] = sorted(found.values(), key=lambda x: (x.date, x.encounter_id), reverse=True)
    shown = {pid: [s.encounter_id for s in items] for pid, items in result.items() if items}
    if shown:
        audit_record(
            actor=actor,
            action=AuditAction.VIEW,
            object_type="encounters.encounter",
            object_id=encounter_id,
            after={"seen_before": {str(k): v for k, v in shown.items()}},
            note="seen before",
        )
    return result


# --- the review queue -----------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    pair: ReviewPair
    left_kind: str
    right_kind: str


def review_queue(
    *, actor: Actor, status: str = PairStatus.OPEN, limit: int = 100
) -> list[QueueRow]:
    """Pairs awaiting a decision (or decided), most likely first; ids and probabilities only
    (no names: those are shown one pair at a time, audited)."""
    require(actor, Capability.IDENTITY_REVIEW, object_type=PAIR)
    pairs = (
        ReviewPair.objects.filter(status=status)
        .select_related("left", "right", "decided_by")
        .order_by("-match_probability", "id")[:limit]
    )
    return [QueueRow(p, p.left.source, p.right.source) for p in pairs]


def review_counts() -> dict[str, int]:
    counts = {s.value: 0 for s in PairStatus}
    for status in counts:
        counts[status] = ReviewPair.objects.filter(status=status).count()
    return counts


@dataclass(frozen=True)
class RecordCard(RecordFields):
    """One side of a pair: the record's identifying fields and where it comes from."""

    source: str
    identity_id: int
    match_probability: float
    context: list[dict[str, Any]]


def _card(rec: IdentityRecord) -> RecordCard:
    if rec.source == Source.PERSON:
        assert rec.person_id is not None  # a person's record names its person
        person = Person.objects.prefetch_related("documents").get(pk=rec.person_id)
        row = records.person_record(person)
        context = [
            {
                "kind": "encounter",
                "id": ep.encounter_id,
                "date": ep.encounter.encounter_date,
                "place": ep.encounter.place_name,
                "pathway": ep.pathway,
            }
            for ep in EncounterPerson.objects.filter(person_id=rec.person_id)
            .select_related("encounter")
            .order_by("-encounter__encounter_date")
        ]
    else:
        assert rec.member_id is not None  # a registered member's record names its member
        member = Member.objects.select_related("registration", "registration__program").get(
            pk=rec.member_id
        )
        row = records.member_record(member)
        context = [
            {
                "kind": "registration",
                "id": member.registration_id,
                "number": member.registration.number,
                "date": member.registration.registered_on.date(),
                "program": member.registration.program.code,
                "status": member.registration.status,
            }
        ]
    return RecordCard(
        **{column: row[column] for column in RECORD_COLUMNS},
        source=rec.source,
        identity_id=rec.identity_id,
        match_probability=rec.match_probability,
        context=context,
    )


@dataclass(frozen=True)
class PairView:
    pair: ReviewPair
    left: RecordCard
    right: RecordCard
    history: list[ReviewDecision]


def review_pair_view(*, actor: Actor, pair_id: int) -> PairView:
    """One pair side by side (names decrypted in memory for the page); the view is audited."""
    require(actor, Capability.IDENTITY_REVIEW, object_type=PAIR, object_id=pair_id)
    pair = (
        ReviewPair.objects.select_related("left", "right", "decided_by").filter(pk=pair_id).first()
    )
    if pair is None:
        raise IdentityError(C.PAIR_NOT_FOUND, "pair_id")
    view = PairView(
        pair=pair,
        left=_card(pair.left),
        right=_card(pair.right),
        history=list(pair.decisions.select_related("actor").order_by("at", "id")),
    )
    with transaction.atomic():
        audit_change(
            actor=actor,
            action=AuditAction.VIEW,
            obj=pair,
            after={"records": [view.left.record_id, view.right.record_id]},
            note="review pair side by side",
        )
    return view


def latest_run() -> LinkRun | None:
    return LinkRun.objects.order_by("-id").first()


# --- labels for evaluation ----------------------------------------------------------------


@dataclass(frozen=True)
class Labels:
    """``truth``: ``(record_id, true_identity_id)`` for every record of a decided pair
    (records a supervisor called the same person share one id); ``clusters``:
    ``(record_id, identity_id, match_probability)`` as the linkage had them before any
    decision moved them. Ids only: no name."""

    truth: list[tuple[str, str]]
    clusters: list[tuple[str, str, float]]
    decided_pairs: int


def review_labels() -> Labels:
    decided = list(
        ReviewPair.objects.exclude(status=PairStatus.OPEN).select_related("left", "right")
    )
    uf = Components()
    before: dict[int, int] = {}
    recs: dict[str, IdentityRecord] = {}
    for pair in decided:
        for rec in (pair.left, pair.right):
            recs[rec.record_id] = rec
            uf.find(rec.record_id)
        if pair.status == PairStatus.SAME:
            uf.union(pair.left.record_id, pair.right.record_id)
        for move in pair.moved:
            before.setdefault(int(move["record"]), int(move["from"]))
    truth = sorted((rid, f"T{uf.find(rid)}") for rid in recs)
    clusters = sorted(
        (rid, f"I{before.get(rec.pk, rec.identity_id)}", round(rec.match_probability, 6))
        for rid, rec in recs.items()
    )
    return Labels(truth, clusters, len(decided))


# --- statistics -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthFigures:
    month: str  # YYYY-MM
    encounters: int
    unique_individuals: int
    re_encounters: int

    @property
    def re_encounter_rate(self) -> float | None:
        return self.re_encounters / self.encounters if self.encounters else None


@dataclass(frozen=True)
class IdentityStatistics:
    months: list[MonthFigures]
    encounters: int
    unique_individuals: int
    re_encounters: int
    linked: bool  # a linkage run has finished

    @property
    def re_encounter_rate(self) -> float | None:
        return self.re_encounters / self.encounters if self.encounters else None


REENCOUNTER_WINDOW = timedelta(days=365)


def identity_statistics() -> IdentityStatistics:
    """By month of encounter, for asilo's own records: encounters (people encountered, as
    CBP counts them), unique individuals (distinct identities among them) and
    re-encounters (encounters whose identity had an encounter in the previous 12 months).
    A person without an identity record counts as an identity of their own. Aggregates
    only."""
    identity_of = dict(
        IdentityRecord.objects.filter(source=Source.PERSON).values_list("person_id", "identity_id")
    )
    rows = sorted(
        EncounterPerson.objects.values_list(
            "person_id", "encounter_id", "encounter__encounter_date"
        ),
        key=lambda r: (r[2], r[1]),
    )
    last_seen: dict[str, date] = {}
    per_month: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    everyone: set[str] = set()
    total_re = 0
    for person_id, _encounter_id, on in rows:
        identity = f"I{identity_of[person_id]}" if person_id in identity_of else f"P{person_id}"
        previous = last_seen.get(identity)
        again = previous is not None and on - previous <= REENCOUNTER_WINDOW
        last_seen[identity] = on
        per_month[on.strftime("%Y-%m")].append((identity, again))
        everyone.add(identity)
        total_re += again
    months = [
        MonthFigures(
            month=m,
            encounters=len(items),
            unique_individuals=len({i for i, _a in items}),
            re_encounters=sum(1 for _i, a in items if a),
        )
        for m, items in sorted(per_month.items())
    ]
    return IdentityStatistics(
        months=months,
        encounters=len(rows),
        unique_individuals=len(everyone),
        re_encounters=total_re,
        linked=LinkRun.objects.filter(status="done").exists(),
    )


@dataclass(frozen=True)
class Cell:
    """A count as shown: the number, or "fewer than N" when suppressed."""

    value: int | None
    suppressed: bool = False


@dataclass(frozen=True)
class ShownMonth:
    month: str
    encounters: Cell
    unique_individuals: Cell
    re_encounters: Cell
    rate: float | None

    @property
    def counts(self) -> list[Cell]:
        return [self.encounters, self.unique_individuals, self.re_encounters]


def shown_statistics(
    figures: IdentityStatistics, *, suppress: bool, min_cell: int = 10
) -> list[ShownMonth]:
    """The monthly figures as a page shows them. ``suppress`` (a role that may not see
    people, e.g. an analyst): counts from 1 to ``min_cell - 1`` are shown as "fewer than
    ``min_cell``", and a rate whose numerator or denominator is suppressed is not shown
    (DHS OHSS's rule for small counts)."""

    def cell(n: int) -> Cell:
        if suppress and 0 < n < min_cell:
            return Cell(None, True)
        return Cell(n)

    shown = []
    for m in figures.months:
        enc, uniq, again = cell(m.encounters), cell(m.unique_individuals), cell(m.re_encounters)
        rate = None if enc.suppressed or again.suppressed else m.re_encounter_rate
        shown.append(ShownMonth(m.month, enc, uniq, again, rate))
    return shown
