"""Reads of encounters: one (audited), lists and the search, the preview of a decision and
its replay under today's catalogue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from asilo.policy import decide, load_catalogue, parse_encounter
from asilo.web.audit.services import audit_view
from asilo.web.core.access import require
from asilo.web.core.roles import Capability
from asilo.web.encounters.documents import PreparedEncounter, prepare_encounter
from asilo.web.encounters.errors import EncounterError
from asilo.web.encounters.errors import EncounterErrorCode as C
from asilo.web.encounters.models import (
    Custody,
    Encounter,
    EncounterDecision,
    EncounterPerson,
    EncounterStatus,
)
from asilo.web.encounters.object_types import (
    ENCOUNTER,
)
from asilo.web.encounters.selectors._lists import bounded, window
from asilo.web.people import selectors as people_selectors
from asilo.web.people.validation import clean_a_number

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from asilo.web.accounts.models import User


def _encounters() -> QuerySet[Encounter]:
    return Encounter.objects.select_related(
        "decision",
        "decision__override",
        "decision__override__overridden_by",
        "decision__override__reviewed_by",
        "recorded_by",
        "decision__confirmed_by",
    ).prefetch_related(
        Prefetch("participants", queryset=EncounterPerson.objects.order_by("position")),
        Prefetch("custodies", queryset=Custody.objects.order_by("id")),
    )


def encounter_view(*, actor: User | AnonymousUser, encounter_id: int) -> Encounter:
    """One encounter with its decision, people (ids), custody; the read is audited."""
    require(actor, Capability.ENCOUNTER_VIEW, object_type=ENCOUNTER, object_id=encounter_id)
    encounter = _encounters().filter(pk=encounter_id).first()
    if encounter is None:
        raise EncounterError(C.ENCOUNTER_NOT_FOUND, "encounter_id")
    audit_view(actor=actor, obj=encounter)
    return encounter


def encounter_detail(encounter_id: int) -> Encounter:
    """One encounter with everything the API shows (no rights check, no audit: for the answer
    of a write that was itself checked and audited)."""
    # One row by primary key: no ordering to compile (``first()`` would order by the model's).
    encounter = next(iter(_encounters().filter(pk=encounter_id).order_by()[:1]), None)
    if encounter is None:
        raise EncounterError(C.ENCOUNTER_NOT_FOUND, "encounter_id")
    return encounter


def encounter_document(encounter_id: int) -> dict[str, Any]:
    """The encounter's policy input as stored (no rights check, no audit: for the answer of a
    write that was itself checked and audited)."""
    document: dict[str, Any] = Encounter.objects.values_list("document", flat=True).get(
        pk=encounter_id
    )
    return document


def encounter_preview(
    *, actor: User | AnonymousUser, document: Any, now: datetime | None = None
) -> PreparedEncounter:
    """Check a document and decide it, writing nothing: the decision shown before recording,
    and the typed encounter that :func:`services.encounter_record` records. The rights are
    checked (and a refusal audited) before the document is read.

    Raises ``EncounterErrors`` (every bad field) or an ``EncounterError``.
    """
    require(actor, Capability.ENCOUNTER_RECORD, object_type=ENCOUNTER)
    return prepare_encounter(document, now=now or timezone.now())


def encounters_of_person(person_id: int) -> list[Encounter]:
    """A person's encounters, newest first (for the person's page: read it with
    ``people.selectors.person_view``, which checks rights and audits)."""
    return list(
        _encounters()
        .filter(participants__person_id=person_id)
        .order_by("-encounter_date", "-recorded_at", "-id")
    )


def encounter_list(
    *,
    actor: User | AnonymousUser,
    status: str | None = None,
    place: str | None = None,
    limit: int = 50,
) -> list[Encounter]:
    """The newest encounters, optionally of one status or place."""
    qs = _encounters_seen_by(actor, status=status, place=place)
    return list(qs.order_by("-recorded_at", "-id")[: bounded(limit)])


def _encounters_seen_by(
    actor: User | AnonymousUser, *, status: str | None, place: str | None
) -> QuerySet[Encounter]:
    """The encounters of a list, after the rights check, of one status and place if asked."""
    require(actor, Capability.ENCOUNTER_VIEW, object_type=ENCOUNTER)
    if status and status not in EncounterStatus.values:
        raise EncounterError(
            C.STATUS_FILTER_INVALID, "status", allowed=", ".join(EncounterStatus.values)
        )
    qs = _encounters()
    if status:
        qs = qs.filter(status=status)
    if place:
        qs = qs.filter(place_name=place)
    return qs


A_NUMBER = re.compile(r"^[Aa]?\d{8,9}$")


def encounter_search(
    *,
    actor: User | AnonymousUser,
    query: str = "",
    status: str | None = None,
    place: str | None = None,
    limit: int = 50,
    offset: int = 0,
    order: str = "newest",
) -> list[Encounter]:
    """Encounters, newest first (or ``order="oldest"``) by the date of the encounter, by
    status and place, and by a search: an encounter id
    (``#12`` or ``12``), an A-number (``A012345678``), or a name (accent-insensitive, as the
    API's people search; each person found is an audited read)."""
    qs = _encounters_seen_by(actor, status=status, place=place)
    text = (query or "").strip()
    if text:
        digits = text.lstrip("#")
        if digits.isdigit() and len(digits) < 8:
            qs = qs.filter(pk=int(digits))
        elif A_NUMBER.match(text):
            require(actor, Capability.PERSON_VIEW, object_type="people.person")
            person = people_selectors.person_find_by_a_number(clean_a_number(text, "q") or "")
            if person is None:
                return []
            audit_view(actor=actor, obj=person, note="a-number search")
            qs = qs.filter(participants__person_id=person.pk)
        else:
            matches = people_selectors.person_search(actor=actor, query=text)
            qs = qs.filter(participants__person_id__in=[m.person.pk for m in matches]).distinct()
    if order == "oldest":
        qs = qs.order_by("encounter_date", "recorded_at", "id")
    else:
        qs = qs.order_by("-encounter_date", "-recorded_at", "-id")
    return window(qs, limit=limit, offset=offset)


@dataclass(frozen=True)
class Replay:
    stored: dict[str, Any]
    replayed: dict[str, Any]

    @property
    def same(self) -> bool:
        return self.stored == self.replayed


def decision_replay(decision: EncounterDecision) -> Replay:
    """Decide the stored inputs again under the current catalogue and compare."""
    catalogue = load_catalogue()
    replayed = decide(
        parse_encounter(decision.inputs, catalogue=catalogue), catalogue=catalogue
    ).model_dump(mode="json")
    return Replay(stored=decision.result, replayed=replayed)
