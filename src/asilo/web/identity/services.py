"""Writes of identity resolution: the linkage run, matching new records when they are
stored, and supervisors' decisions on pairs (each reversible). Every write is audited in its
own transaction; no name is written anywhere (records live in memory only)."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from asilo.linkage import memory, model
from asilo.linkage.engine import Match
from asilo.web.audit.chain import lock_chain
from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_change, audit_record
from asilo.web.core.access import require
from asilo.web.core.roles import Capability
from asilo.web.core.rows import one_or_not_found
from asilo.web.core.status_moves import status_move
from asilo.web.identity import matching, records
from asilo.web.identity.common import PAIR, RECORD, RUN, Components
from asilo.web.identity.errors import IdentityError
from asilo.web.identity.errors import IdentityErrorCode as C
from asilo.web.identity.models import (
    Assigned,
    Decision,
    Identity,
    IdentityRecord,
    LinkRun,
    PairStatus,
    ReviewDecision,
    ReviewPair,
    RunStatus,
    Source,
)

if TYPE_CHECKING:
    from asilo.web.accounts.models import User

logger = logging.getLogger(__name__)

#: A run still "running" after this long is taken to have died (its process was stopped).
STALE_RUN_SECONDS = 6 * 3600


def _writers_one_at_a_time() -> None:
    """Inside a transaction that changes stored identities: wait for the audit writers' lock
    first.

    Every such transaction ends with an audit entry, which takes that lock anyway
    (:func:`asilo.web.audit.chain.lock_chain`); taking it before the first write to a stored
    identity puts two such writers one after the other. Two registrations merging
    overlapping identities at once otherwise updated the same identity records in opposite
    orders (a deadlock on PostgreSQL), or one merged into an identity the other had just
    emptied. Matching at record time takes it only when a new record joins or merges stored
    identities, after everything it reads; a record that starts a new identity of its own
    changes no stored identity and waits for nobody until its audit entry.
    """
    lock_chain()


def model_version() -> str:
    params = model.load_parameters(None)
    trained = params.trained_on.get("population") or params.trained_on.get("records") or ""
    return f"{model.DEFAULT_MODEL.name} ({trained})"[:80]


# --- the linkage run --------------------------------------------------------------------


def _decided_pairs() -> list[tuple[str, str, str]]:
    """``(status, record_id_l, record_id_r)`` of every decided pair."""
    pairs = ReviewPair.objects.exclude(status=PairStatus.OPEN).select_related("left", "right")
    return [(p.status, p.left.record_id, p.right.record_id) for p in pairs]


def _components(linked: memory.Linked, groups: dict[str, set[str]]) -> dict[str, str]:
    """Each record's component: the run's identities, joined where a supervisor said "same
    person", and a record put apart where a supervisor said "different people" against
    the run, or where it shares an encounter or a registration with a record already in the
    component (two people of one family are never one)."""
    uf = Components()
    for rid, key, _p in linked.assignments:
        uf.union(rid, key)
    decided = _decided_pairs()
    for status, left, right in decided:
        if status == PairStatus.SAME and left in uf.parent and right in uf.parent:
            uf.union(left, right)
    comp = {rid: uf.find(rid) for rid, _k, _p in linked.assignments}
    members: dict[str, list[str]] = {}
    for rid, root in comp.items():
        members.setdefault(root, []).append(rid)
    for rids in members.values():
        if len(rids) < 2:
            continue
        seen: set[str] = set()
        for rid in sorted(rids, key=_record_order):
            mine = groups.get(rid, set())
            if mine & seen:
                comp[rid] = f"apart:{rid}"
            else:
                seen |= mine
    for status, left, right in decided:
        if (
            status == PairStatus.DIFFERENT
            and comp.get(left) is not None
            and comp.get(left) == comp.get(right)
        ):
            comp[right] = f"apart:{right}"
    return comp


def _record_order(record_id: str) -> tuple[str, int]:
    return record_id[:1], int(record_id[1:])


def _record_key(source: str, person_id: int | None, member_id: int | None) -> str:
    return (
        records.person_record_id(person_id or 0)
        if source == Source.PERSON
        else records.member_record_id(member_id or 0)
    )


@dataclass
class _Written:
    records: int = 0
    identities: int = 0
    review_pairs: int = 0
    new_records: int = 0
    moved_records: int = 0
    counts: dict[str, int] = field(default_factory=dict)


def _store_run(run: LinkRun, linked: memory.Linked) -> _Written:
    now = timezone.now()
    groups = records.groups()
    comp = _components(linked, groups)
    strength = {rid: p for rid, _k, p in linked.assignments}
    existing: dict[str, IdentityRecord] = {
        _record_key(r.source, r.person_id, r.member_id): r
        for r in IdentityRecord.objects.all().only(
            "id", "identity_id", "source", "person_id", "member_id", "match_probability"
        )
    }
    members: dict[str, list[str]] = {}
    for rid, root in comp.items():
        members.setdefault(root, []).append(rid)
    # Each component keeps the identity most of its stored records had (ids stay stable).
    claimed: set[int] = set()
    identity_of_root: dict[str, int] = {}
    needing: list[str] = []
    for root, rids in sorted(members.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        votes = Counter(existing[r].identity_id for r in rids if r in existing)
        chosen = next((i for i, _n in votes.most_common() if i not in claimed), None)
        if chosen is None:
            needing.append(root)
        else:
            claimed.add(chosen)
            identity_of_root[root] = chosen
    created = Identity.objects.bulk_create([Identity(created_at=now) for _ in needing])
    for root, identity in zip(needing, created, strict=True):
        identity_of_root[root] = identity.pk
    changed: list[IdentityRecord] = []
    fresh: list[IdentityRecord] = []
    written = _Written()
    for rid, root in comp.items():
        identity_id = identity_of_root[root]
        p = 1.0 if root.startswith("apart:") else min(1.0, max(0.0, strength[rid]))
        rec = existing.get(rid)
        if rec is None:
            kind, pk = records.parse_record_id(rid)
            fresh.append(
                IdentityRecord(
                    identity_id=identity_id,
                    source=kind,
                    person_id=pk if kind == Source.PERSON else None,
                    member_id=pk if kind == Source.MEMBER else None,
                    match_probability=p,
                    assigned=Assigned.RUN,
                    assigned_at=now,
                    added_at=now,
                    run=run,
                )
            )
            continue
        if rec.identity_id != identity_id:
            written.moved_records += 1
        rec.identity_id = identity_id
        rec.match_probability = p
        rec.assigned = Assigned.RUN
        rec.assigned_at = now
        rec.run = run
        changed.append(rec)
    IdentityRecord.objects.bulk_update(
        changed,
        ["identity", "match_probability", "assigned", "assigned_at", "run"],
        batch_size=1000,
    )
    IdentityRecord.objects.bulk_create(fresh, batch_size=1000)
    written.new_records = len(fresh)
    Identity.objects.filter(records__isnull=True).delete()
    # The pairs for review: those of this run between identities; decided pairs are kept.
    pk_of = {
        _record_key(s, p, m): pk
        for pk, s, p, m in IdentityRecord.objects.values_list(
            "id", "source", "person_id", "member_id"
        )
    }
    wanted: dict[tuple[int, int], float] = {}
    for left, right, p in linked.review:
        if comp.get(left) == comp.get(right) or left not in pk_of or right not in pk_of:
            continue
        if groups.get(left, set()) & groups.get(right, set()):
            continue  # one family's two members
        a, b = pk_of[left], pk_of[right]
        wanted[(min(a, b), max(a, b))] = p
    kept: set[tuple[int, int]] = set()
    stale: list[int] = []
    for pair in ReviewPair.objects.all().only("id", "left_id", "right_id", "status"):
        key = (min(pair.left_id, pair.right_id), max(pair.left_id, pair.right_id))
        if key in wanted:
            kept.add(key)
            if pair.status == PairStatus.OPEN:
                ReviewPair.objects.filter(pk=pair.pk).update(match_probability=wanted[key], run=run)
        elif pair.status == PairStatus.OPEN:
            stale.append(pair.pk)
    ReviewPair.objects.filter(pk__in=stale).delete()
    ReviewPair.objects.bulk_create(
        [
            ReviewPair(left_id=a, right_id=b, match_probability=p, run=run, found_at=now)
            for (a, b), p in sorted(wanted.items())
            if (a, b) not in kept
        ],
        batch_size=1000,
    )
    written.records = len(comp)
    written.identities = len(members)
    written.review_pairs = ReviewPair.objects.filter(status=PairStatus.OPEN).count()
    written.counts = {"open_pairs_dropped": len(stale)}
    return written


def identity_run(*, actor: User | None, trigger: str) -> LinkRun:
    """Link every person and registered family member into identities (Splink on DuckDB, in
    memory), store each record's identity and link strength, and the pairs for review.

    ``actor`` None: the system (a scheduled task, the demo); a user needs ``identity.run``.
    """
    if actor is not None:
        require(actor, Capability.IDENTITY_RUN, object_type=RUN)
    now = timezone.now()
    with transaction.atomic():
        running = (
            LinkRun.objects.select_for_update()
            .filter(
                status=RunStatus.RUNNING,
                started_at__gt=now - timedelta(seconds=STALE_RUN_SECONDS),
            )
            .first()
        )
        if running is not None:
            raise IdentityError(C.RUN_IN_PROGRESS, None, run=running.pk)
        run = LinkRun.objects.create(
            trigger=trigger,
            started_by=actor,
            started_at=now,
            model_version=model_version(),
            same_identity_threshold=model.SAME_IDENTITY_THRESHOLD,
            review_threshold=model.REVIEW_THRESHOLD,
        )
        audit_change(
            actor=actor,
            action=AuditAction.CREATE,
            obj=run,
            after={"trigger": trigger, "model": run.model_version},
        )
    started = time.perf_counter()
    try:
        con = memory.connect()
        try:
            count = memory.load_records(
                con, [*records.all_person_records(), *records.all_member_records()]
            )
            linked = memory.link_loaded(con, prior_records=matching.population())
        finally:
            con.close()
        with transaction.atomic():
            _writers_one_at_a_time()
            written = _store_run(run, linked)
            status_move(
                run,
                actor=actor,
                to=RunStatus.DONE,
                after={
                    "records": count,
                    "identities": written.identities,
                    "review_pairs": written.review_pairs,
                    "new_records": written.new_records,
                    "moved_records": written.moved_records,
                    **written.counts,
                },
                finished_at=timezone.now(),
                records=count,
                identities=written.identities,
                review_pairs=written.review_pairs,
                seconds=round(time.perf_counter() - started, 3),
            )
    except Exception as exc:
        logger.warning("identity link run %s failed: %s", run.pk, type(exc).__name__)
        with transaction.atomic():
            LinkRun.objects.filter(pk=run.pk).update(
                status=RunStatus.FAILED,
                finished_at=timezone.now(),
                error=type(exc).__name__[:120],
                seconds=round(time.perf_counter() - started, 3),
            )
            audit_change(
                actor=actor,
                action=AuditAction.UPDATE,
                obj=run,
                before={"status": RunStatus.RUNNING},
                after={"status": RunStatus.FAILED, "error": type(exc).__name__},
            )
        raise
    return run


# --- matching at record time --------------------------------------------------------------


@dataclass(frozen=True)
class Attached:
    """A record just given an identity: the record and the stored records it matched."""

    record: IdentityRecord
    matches: dict[str, float]


def _stored_records(record_ids: Iterable[str]) -> dict[str, IdentityRecord]:
    person_ids: list[int] = []
    member_ids: list[int] = []
    for rid in record_ids:
        kind, pk = records.parse_record_id(rid)
        (person_ids if kind == Source.PERSON else member_ids).append(pk)
    if not person_ids and not member_ids:
        return {}
    found = IdentityRecord.objects.filter(Q(person_id__in=person_ids) | Q(member_id__in=member_ids))
    return {r.record_id: r for r in found}


@dataclass(frozen=True)
class _Plan:
    """What matching found for one new record, before anything is written: the stored
    records it matches (family members of its own encounter or registration left out), best
    first, and those at or above the identity threshold."""

    row: dict[str, str]
    matches: list[Match]
    same: list[Match]


def _plans(
    rows: list[dict[str, str]], found: dict[str, list[Match]]
) -> tuple[list[_Plan], dict[str, IdentityRecord]]:
    """Each new record's matches among the stored records, and those stored records (read
    once for all the rows, without a lock)."""
    stored = _stored_records({m.record_id for row in rows for m in found[row["record_id"]]})
    # Two people of one encounter or one registration are never one (read only when needed).
    groups = records.record_groups([*(r["record_id"] for r in rows), *stored]) if stored else {}
    plans = []
    for row in rows:
        mine = groups.get(row["record_id"], set())
        matches = [
            m
            for m in found[row["record_id"]]
            if m.record_id in stored and not (groups.get(m.record_id, set()) & mine)
        ]
        same = [m for m in matches if m.match_probability >= model.SAME_IDENTITY_THRESHOLD]
        plans.append(_Plan(row, matches, same))
    return plans, stored


def _new_record(
    row: dict[str, str], identity_id: int, probability: float, now: Any
) -> IdentityRecord:
    kind, pk = records.parse_record_id(row["record_id"])
    return IdentityRecord(
        identity_id=identity_id,
        source=kind,
        person_id=pk if kind == Source.PERSON else None,
        member_id=pk if kind == Source.MEMBER else None,
        match_probability=min(1.0, probability),
        assigned=Assigned.MATCH,
        assigned_at=now,
        added_at=now,
    )


def _attach_all(
    plans: list[_Plan], stored: dict[str, IdentityRecord], *, now: Any
) -> dict[str, Attached]:
    """Give each planned record its identity and store it: the identities it joins (one
    update for each record that joins several), then the new identities, the records and the
    pairs for review, each in one insert."""
    joining = {m.record_id for plan in plans for m in plan.same}
    # The stored records matched below the identity threshold only say which review pairs to
    # open: their identity as read without the lock will do.
    identity_of = {rid: r.identity_id for rid, r in stored.items()}
    if joining:
        _writers_one_at_a_time()
        # Read again under the lock: a merge that committed since may have moved them.
        fresh = _stored_records(joining)
        identity_of.update((rid, r.identity_id) for rid, r in fresh.items())
        joining &= fresh.keys()
    #: Each record's stored identity and link strength, or ``None``: a new identity.
    chosen: list[tuple[int, float] | None] = []
    merged_by: list[set[int]] = []
    for plan in plans:
        same = [m for m in plan.same if m.record_id in joining]
        merged: set[int] = set()
        if same:
            identity_id = identity_of[same[0].record_id]
            # The new record links identities that were apart: they become one.
            merged = {identity_of[m.record_id] for m in same} - {identity_id}
            if merged:
                IdentityRecord.objects.filter(identity_id__in=merged).update(
                    identity_id=identity_id
                )
                identity_of.update(
                    (rid, identity_id) for rid, i in identity_of.items() if i in merged
                )
            chosen.append((identity_id, same[0].match_probability))
        else:
            chosen.append(None)
        merged_by.append(merged)
    new_identities = iter(
        Identity.objects.bulk_create([Identity(created_at=now) for c in chosen if c is None])
    )
    new_records = []
    for plan, joined in zip(plans, chosen, strict=True):
        identity_id, probability = joined or (next(new_identities).pk, 1.0)
        new_records.append(_new_record(plan.row, identity_id, probability, now))
    created = IdentityRecord.objects.bulk_create(new_records)
    pairs: list[ReviewPair] = []
    for plan, record, merged in zip(plans, created, merged_by, strict=True):
        best_other: dict[int, Match] = {}
        for m in plan.matches:
            other = identity_of[m.record_id]
            if other != record.identity_id and other not in merged:
                best_other.setdefault(other, m)
        pairs += [
            ReviewPair(
                left_id=stored[m.record_id].pk,
                right=record,
                match_probability=m.match_probability,
                found_at=now,
            )
            for m in best_other.values()
        ]
    if pairs:
        ReviewPair.objects.bulk_create(pairs)
    return {
        plan.row["record_id"]: Attached(
            record, {m.record_id: m.match_probability for m in plan.matches}
        )
        for plan, record in zip(plans, created, strict=True)
    }


def identity_match_records(
    *, actor: User | None, rows: list[dict[str, str]], note: str
) -> dict[str, Attached]:
    """Give each new record (``rows``, of people or members without an identity record) its
    identity: the stored records it matches at or above the identity threshold (Splink's
    scoring of the one record against the stored ones), or a new identity; pairs between the
    thresholds go to review. Audited in one entry (ids only).

    What needs no lock comes first: the look-up, the stored records matched and their
    families. The audit writers' lock is taken after them, and only where a new record
    joins stored identities (:func:`_writers_one_at_a_time`); otherwise first by the audit
    entry, written last."""
    now = timezone.now()
    attached: dict[str, Attached] = {}
    if not rows:
        return attached
    found = matching.find_many(rows, threshold=model.REVIEW_THRESHOLD)
    # Inside a caller's transaction (a registration's) no savepoint: a failure here fails the
    # caller's whole transaction, as it must, and two statements fewer.
    with transaction.atomic(savepoint=False):
        already = _stored_records(found)
        plans, stored = _plans([row for row in rows if row["record_id"] not in already], found)
        if plans:
            attached = _attach_all(plans, stored, now=now)
        if attached:
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                object_type=RECORD,
                after={
                    "records": {
                        rid: {
                            "identity": a.record.identity_id,
                            "match_probability": round(a.record.match_probability, 6),
                            "matched": sorted(a.matches),
                        }
                        for rid, a in attached.items()
                    }
                },
                note=note,
            )
    stored_rows = [row for row in rows if row["record_id"] in attached]

    def remember_stored() -> None:
        for row in stored_rows:
            matching.remember(row)

    transaction.on_commit(remember_stored)
    return attached


def identity_match_people(
    *, actor: User | None, person_ids: list[int], note: str
) -> dict[str, Attached]:
    """:func:`identity_match_records` for people (decrypted in memory); those that already
    have an identity record are left as they are."""
    rows = list(records.all_person_records(person_ids)) if person_ids else []
    return identity_match_records(actor=actor, rows=rows, note=note)


def identity_match_members(
    *, actor: User | None, member_ids: list[int], note: str
) -> dict[str, Attached]:
    """:func:`identity_match_records` for registered family members; those that already
    have an identity record are left as they are."""
    rows = list(records.all_member_records(member_ids)) if member_ids else []
    return identity_match_records(actor=actor, rows=rows, note=note)


# --- review decisions -------------------------------------------------------------------


def _locked_pair(pair_id: int) -> ReviewPair:
    rows = ReviewPair.objects.select_for_update().select_related("left", "right")
    return one_or_not_found(rows.filter(pk=pair_id), IdentityError(C.PAIR_NOT_FOUND, "pair_id"))


def _record_review(
    pair: ReviewPair, decision: str, moved: list[dict[str, int]], actor: User, now: datetime
) -> None:
    """Store the pair's new state (decided ``same`` or ``different`` by ``actor``, or open
    again when the decision is undone) and add the decision to the pair's review history."""
    undone = decision == Decision.UNDONE
    pair.status = PairStatus.OPEN if undone else PairStatus(decision)
    pair.decided_by = None if undone else actor
    pair.decided_at = None if undone else now
    pair.moved = moved
    pair.save(update_fields=["status", "decided_by", "decided_at", "moved"])
    ReviewDecision.objects.create(
        pair=pair,
        decision=decision,
        record_id_l=pair.left.record_id,
        record_id_r=pair.right.record_id,
        match_probability=pair.match_probability,
        actor=actor,
        at=now,
    )


def review_decide(*, actor: User, pair_id: int, decision: str) -> ReviewPair:
    """A supervisor's decision on a pair: "same" joins the two identities (what moved is
    kept, so that undoing puts it back); "different" keeps them apart (later runs too)."""
    require(actor, Capability.IDENTITY_REVIEW, object_type=PAIR, object_id=pair_id)
    if decision not in (PairStatus.SAME, PairStatus.DIFFERENT):
        raise IdentityError(C.DECISION_INVALID, "decision", allowed="same, different")
    now = timezone.now()
    with transaction.atomic():
        _writers_one_at_a_time()
        pair = _locked_pair(pair_id)
        if pair.status != PairStatus.OPEN:
            raise IdentityError(C.PAIR_DECIDED, "pair_id")
        moved: list[dict[str, int]] = []
        if decision == PairStatus.SAME:
            keep, leave = pair.left.identity_id, pair.right.identity_id
            if keep != leave:
                moving = list(
                    IdentityRecord.objects.filter(identity_id=leave).values_list("id", flat=True)
                )
                moved = [{"record": rid, "from": leave} for rid in moving]
                IdentityRecord.objects.filter(pk__in=moving).update(
                    identity_id=keep, assigned=Assigned.REVIEW, assigned_at=now
                )
        same = decision == PairStatus.SAME
        _record_review(pair, Decision.SAME if same else Decision.DIFFERENT, moved, actor, now)
        audit_change(
            actor=actor,
            action=AuditAction.REVIEW,
            obj=pair,
            before={"status": PairStatus.OPEN},
            after={"status": decision, "moved_records": [m["record"] for m in moved]},
        )
    return pair


def review_undo(*, actor: User, pair_id: int) -> ReviewPair:
    """Undo a decision: the pair is open again; records a "same" decision moved go back to
    the identity they came from (unless they have moved since)."""
    require(actor, Capability.IDENTITY_REVIEW, object_type=PAIR, object_id=pair_id)
    now = timezone.now()
    with transaction.atomic():
        _writers_one_at_a_time()
        pair = _locked_pair(pair_id)
        if pair.status == PairStatus.OPEN:
            raise IdentityError(C.PAIR_OPEN, "pair_id")
        before = pair.status
        restored: list[int] = []
        target = pair.left.identity_id
        for move in pair.moved:
            origin = move["from"]
            if not Identity.objects.filter(pk=origin).exists():
                Identity.objects.create(pk=origin, created_at=now)
            n = IdentityRecord.objects.filter(pk=move["record"], identity_id=target).update(
                identity_id=origin, assigned=Assigned.REVIEW, assigned_at=now
            )
            if n:
                restored.append(move["record"])
        _record_review(pair, Decision.UNDONE, [], actor, now)
        audit_change(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=pair,
            before={"status": before},
            after={"status": PairStatus.OPEN, "restored_records": restored},
            note="decision undone",
        )
    return pair
