"""The linkage run: every record linked again, identities and review pairs stored anew, in one
audited transaction."""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from asilo.linkage import memory, model
from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_change
from asilo.web.core.access import require
from asilo.web.core.roles import Capability
from asilo.web.core.status_moves import status_move
from asilo.web.identity import matching, records
from asilo.web.identity.common import RUN, Components
from asilo.web.identity.errors import IdentityError
from asilo.web.identity.errors import IdentityErrorCode as C
from asilo.web.identity.models import (
    Assigned,
    Identity,
    IdentityRecord,
    LinkRun,
    PairStatus,
    ReviewPair,
    RunStatus,
    Source,
)
from asilo.web.identity.services._locks import writers_one_at_a_time

if TYPE_CHECKING:
    from asilo.web.accounts.models import User


logger = logging.getLogger(__name__)


#: A run still "running" after this long is taken to have died (its process was stopped).
STALE_RUN_SECONDS = 6 * 3600


def model_version() -> str:
    params = model.load_parameters(None)
    trained = params.trained_on.get("population") or params.trained_on.get("records") or ""
    return f"{model.DEFAULT_MODEL.name} ({trained})"[:80]


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
            writers_one_at_a_time()
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
