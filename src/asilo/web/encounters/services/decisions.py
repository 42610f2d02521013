"""The officer confirms or overrides the decision; a supervisor reviews an override."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from asilo.policy.countries import ISO3
from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_change
from asilo.web.core.access import require
from asilo.web.core.roles import Capability
from asilo.web.core.rows import one_or_not_found
from asilo.web.encounters.errors import EncounterError
from asilo.web.encounters.errors import EncounterErrorCode as C
from asilo.web.encounters.models import (
    Authority,
    Encounter,
    EncounterStatus,
    Override,
    OverrideVerdict,
    Pathway,
)
from asilo.web.encounters.object_types import (
    ENCOUNTER,
    OVERRIDE,
)
from asilo.web.encounters.services._checks import MIN_NOTE, MIN_REASON, written
from asilo.web.encounters.settled import decision_settled

if TYPE_CHECKING:
    from asilo.web.accounts.models import User


def _locked_encounter(encounter_id: int) -> Encounter:
    encounter = (
        Encounter.objects.select_for_update(of=("self",))
        .select_related("decision")
        .filter(pk=encounter_id)
    ).first()
    if encounter is None:
        raise EncounterError(C.ENCOUNTER_NOT_FOUND, "encounter_id")
    return encounter


def _still_decided(encounter: Encounter) -> None:
    if encounter.status != EncounterStatus.DECIDED:
        raise EncounterError(
            C.DECISION_ALREADY_SETTLED, None, status=encounter.get_status_display()
        )


def decision_confirm(*, actor: User, encounter_id: int) -> Encounter:
    """The officer confirms the decision as the policy engine gave it."""
    require(actor, Capability.DECISION_CONFIRM, object_type=ENCOUNTER, object_id=encounter_id)
    with transaction.atomic():
        encounter = _locked_encounter(encounter_id)
        _still_decided(encounter)
        decision = encounter.decision
        decision.confirmed_by = actor
        decision.confirmed_at = timezone.now()
        decision.save(update_fields=["confirmed_by", "confirmed_at"])
        _settle(
            actor=actor,
            encounter=encounter,
            status=EncounterStatus.CONFIRMED,
            action=AuditAction.CONFIRM,
            before={"status": EncounterStatus.DECIDED},
            after={"status": EncounterStatus.CONFIRMED, "pathway": decision.pathway},
        )
    return encounter


def _settle(
    *,
    actor: User,
    encounter: Encounter,
    status: EncounterStatus,
    action: AuditAction,
    before: dict[str, Any],
    after: dict[str, Any],
) -> None:
    """The decision is settled (confirmed or overridden): the encounter's new status, audited
    with the catalogue version, then what a settled decision starts (``decision_settled``)."""
    encounter.status = status
    encounter.save(update_fields=["status"])
    audit_change(
        actor=actor,
        action=action,
        obj=encounter,
        before=before,
        after=after,
        catalogue_version=encounter.decision.catalogue_version,
    )
    decision_settled(actor=actor, encounter=encounter)


def _check_override(
    *, authority: str, pathway: str, destination: str | None, reason: str
) -> tuple[str, str]:
    if authority not in Authority.values:
        raise EncounterError(
            C.OVERRIDE_AUTHORITY_INVALID, "authority", allowed=", ".join(Authority.values)
        )
    if pathway not in Pathway.values:
        raise EncounterError(
            C.OVERRIDE_PATHWAY_INVALID, "pathway", allowed=", ".join(Pathway.values)
        )
    dest = destination or ""
    if dest and dest not in ISO3:
        raise EncounterError(C.OVERRIDE_DESTINATION_INVALID, "destination")
    text = written(reason, field="reason", minimum=MIN_REASON, code=C.OVERRIDE_REASON_REQUIRED)
    return dest, text


def decision_override(
    *,
    actor: User,
    encounter_id: int,
    authority: str,
    pathway: str,
    destination: str | None,
    reason: str,
) -> Override:
    """The officer departs from the decision, with a written reason; a supervisor reviews it."""
    require(actor, Capability.DECISION_OVERRIDE, object_type=ENCOUNTER, object_id=encounter_id)
    dest, text = _check_override(
        authority=authority, pathway=pathway, destination=destination, reason=reason
    )
    with transaction.atomic():
        encounter = _locked_encounter(encounter_id)
        _still_decided(encounter)
        decision = encounter.decision
        if (authority, pathway, dest) == (
            decision.authority,
            decision.pathway,
            decision.destination,
        ):
            raise EncounterError(C.OVERRIDE_SAME_AS_DECISION, "pathway")
        options = decision.result.get("options") or []
        within = any(o["pathway"] == pathway and o["authority"] == authority for o in options)
        child = encounter.participants.filter(demographic="unaccompanied_child").exists()
        if child and pathway in (Pathway.EXPULSION, Pathway.MPP_RETURN) and not within:
            raise EncounterError(C.OVERRIDE_UNLAWFUL_FOR_CHILD, "pathway")
        override = Override.objects.create(
            decision=decision,
            authority=authority,
            pathway=pathway,
            destination=dest,
            reason=text,
            within_options=within,
            overridden_by=actor,
        )
        _settle(
            actor=actor,
            encounter=encounter,
            status=EncounterStatus.OVERRIDDEN,
            action=AuditAction.OVERRIDE,
            before={
                "authority": decision.authority,
                "pathway": decision.pathway,
                "destination": decision.destination or None,
            },
            after={
                "override": override.pk,
                "authority": authority,
                "pathway": pathway,
                "destination": dest or None,
                "within_options": within,
            },
        )
    return override


def override_review(*, actor: User, override_id: int, verdict: str, note: str = "") -> Override:
    """A supervisor reviews an override: upheld, or overturned with a note."""
    require(actor, Capability.OVERRIDE_REVIEW, object_type=OVERRIDE, object_id=override_id)
    if verdict not in OverrideVerdict.values:
        raise EncounterError(C.VERDICT_INVALID, "verdict")
    minimum = MIN_NOTE if verdict == OverrideVerdict.OVERTURNED else 0
    text = written(note, field="note", minimum=minimum, code=C.REVIEW_NOTE_REQUIRED)
    with transaction.atomic():
        rows = Override.objects.select_for_update(of=("self",)).select_related("decision")
        override = one_or_not_found(
            rows.filter(pk=override_id), EncounterError(C.OVERRIDE_NOT_FOUND, "override_id")
        )
        if override.reviewed_at is not None:
            raise EncounterError(C.OVERRIDE_ALREADY_REVIEWED, None)
        if override.overridden_by_id == actor.pk:
            raise EncounterError(C.SELF_REVIEW, None)
        override.verdict = verdict
        override.review_note = text
        override.reviewed_by = actor
        override.reviewed_at = timezone.now()
        override.save(update_fields=["verdict", "review_note", "reviewed_by", "reviewed_at"])
        audit_change(
            actor=actor,
            action=AuditAction.REVIEW,
            obj=override,
            after={"verdict": verdict, "encounter": override.decision.encounter_id},
            catalogue_version=override.decision.catalogue_version,
        )
    return override
