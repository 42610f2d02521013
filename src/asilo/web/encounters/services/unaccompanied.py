"""A child left without the adults of the family unit is an unaccompanied child, decided again
alone as of that moment, with the statutory limit counted from then (UC-02).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from asilo.policy import EncounterInputError, decide, load_catalogue, parse_encounter
from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_change
from asilo.web.encounters.clocks import (
    UC_LIMIT_HOURS,
    place_time_zone,
)
from asilo.web.encounters.models import (
    Custody,
    EncounterPerson,
    Pathway,
)
from asilo.web.encounters.services.family_units import (
    UnitMember,
)

if TYPE_CHECKING:
    from asilo.policy import Decision
    from asilo.web.accounts.models import User


def child_document(custody: Custody, participant: EncounterPerson, at: datetime) -> dict[str, Any]:
    """The policy input of a child alone, as of ``at`` (the moment the child became
    unaccompanied), from the encounter's stored input."""
    inputs = custody.encounter.document
    zone = place_time_zone(custody.encounter.place_kind, custody.encounter.place_name)
    local = timezone.localtime(at, zone)
    person = dict(inputs["people"][participant.position])
    for key in ("role", "relationship"):
        person.pop(key, None)
    document = {k: v for k, v in inputs.items() if k not in ("people", "unaccompanied")}
    document.update(date=local.date().isoformat(), time=local.strftime("%H:%M"), people=[person])
    return document


def redecide_child(*, actor: User, member: UnitMember, at: datetime) -> None:
    """A child left without a parent or legal guardian is an unaccompanied child: decided again
    alone under the policies in force at that moment, with the statutory limit counted from
    that moment (UC-02)."""
    custody = member.custody
    document = child_document(custody, member.participant, at)
    catalogue = load_catalogue()
    decision: Decision | None
    try:
        decision = decide(parse_encounter(document, catalogue=catalogue), catalogue=catalogue)
    except EncounterInputError:
        # The moment lies outside the catalogue's dated coverage: the statute alone applies.
        decision = None
    reasons: list[dict[str, Any]]
    if decision is not None:
        pathway: str = decision.pathway
        limit = decision.custody_limit_hours or UC_LIMIT_HOURS
        reasons = [r.model_dump(mode="json") for r in decision.reasons]
        version = decision.catalogue_version
    else:
        pathway = Pathway.ORR_TRANSFER.value
        limit = UC_LIMIT_HOURS
        reasons = [UC_AFTER_SEPARATION_REASON]
        version = catalogue.version
    custody.unaccompanied_since = at
    custody.limit_hours = limit
    custody.due_at = at + timedelta(hours=limit)
    custody.redecision = {
        "as_of": at.isoformat(),
        "document": document,
        "pathway": pathway,
        "custody_limit_hours": limit,
        "reasons": reasons,
        "decision": decision.model_dump(mode="json") if decision is not None else None,
    }
    custody.save(update_fields=["unaccompanied_since", "limit_hours", "due_at", "redecision"])
    audit_change(
        actor=actor,
        action=AuditAction.DECIDE,
        obj=custody,
        before={"limit_hours": None, "unaccompanied_since": None},
        after={
            "person": custody.person_id,
            "encounter": custody.encounter_id,
            "unaccompanied_since": at.isoformat(),
            "pathway": pathway,
            "limit_hours": limit,
            "due_at": custody.due_at.isoformat(),
            "rules": [r["rule"] for r in reasons],
        },
        catalogue_version=str(version),
    )


#: The reason a child left without the family's adults is handled as an unaccompanied child,
#: when the policy engine cannot decide the moment (outside the catalogue's dated coverage).
UC_AFTER_SEPARATION_REASON: dict[str, Any] = {
    "rule": "custody/unaccompanied-after-separation",
    "text": "No parent or legal guardian of the child's family unit remains in custody: the child"
    " is an unaccompanied child, to be transferred to ORR within 72 hours.",
    "text_es": "Ningún padre, madre o tutor legal de la unidad familiar del niño sigue bajo"
    " custodia: es un niño no acompañado, que debe ser trasladado a la ORR en 72 horas.",
    "citation": {
        "title": "TVPRA, 8 U.S.C. 1232(b)(3); CBP TEDS 1.9, Family Unity",
        "url": "https://www.law.cornell.edu/uscode/text/8/1232",
        "section": "8 U.S.C. 1232(b)(3)",
        "fact": "UC-02",
    },
}
