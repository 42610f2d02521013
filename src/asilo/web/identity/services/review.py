"""Supervisors' decisions on pairs for review (same person, different people), each reversible."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_change
from asilo.web.core.access import require
from asilo.web.core.roles import Capability
from asilo.web.core.rows import one_or_not_found
from asilo.web.identity.common import PAIR
from asilo.web.identity.errors import IdentityError
from asilo.web.identity.errors import IdentityErrorCode as C
from asilo.web.identity.models import (
    Assigned,
    Decision,
    Identity,
    IdentityRecord,
    PairStatus,
    ReviewDecision,
    ReviewPair,
)
from asilo.web.identity.services._locks import writers_one_at_a_time

if TYPE_CHECKING:
    from asilo.web.accounts.models import User


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
        writers_one_at_a_time()
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
        writers_one_at_a_time()
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
