"""Matching at record time: a new encounter's people or a new registration's members given
an identity when they are stored, reading and planning before any lock."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from asilo.linkage import model
from asilo.linkage.engine import Match
from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_record
from asilo.web.identity import matching, records
from asilo.web.identity.common import RECORD
from asilo.web.identity.models import (
    Assigned,
    Identity,
    IdentityRecord,
    ReviewPair,
    Source,
)
from asilo.web.identity.services._locks import writers_one_at_a_time

if TYPE_CHECKING:
    from asilo.web.accounts.models import User


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
        writers_one_at_a_time()
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
    joins stored identities (:func:`writers_one_at_a_time`); otherwise first by the audit
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
