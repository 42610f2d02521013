"""The identity app's answers to what other apps declare: "seen before" for encounters
(:mod:`asilo.web.encounters.seen_before`)."""

from __future__ import annotations

import logging
from typing import Any

from asilo.web.encounters.models import EncounterPerson
from asilo.web.encounters.seen_before import SeenBefore
from asilo.web.identity import selectors, services

logger = logging.getLogger(__name__)


def seen_at_record(*, actor: Any, encounter_id: int) -> dict[int, list[SeenBefore]] | None:
    """Match the people of a just-recorded encounter against the stored identities (each
    gets an identity), then their earlier encounters. A failure here never undoes the
    recording: it is logged (ids only) and the answer says "not looked up" (``None``)."""
    try:
        person_ids = list(
            EncounterPerson.objects.filter(encounter_id=encounter_id).values_list(
                "person_id", flat=True
            )
        )
        attached = services.identity_match_people(
            actor=actor, person_ids=person_ids, note=f"encounter {encounter_id} recorded"
        )
        return selectors.seen_before(
            actor=actor,
            encounter_id=encounter_id,
            direct={rid: a.matches for rid, a in attached.items()},
        )
    except Exception as exc:  # the encounter is stored; matching can be done by the next run
        logger.warning(
            "identity matching failed for encounter %s: %s", encounter_id, type(exc).__name__
        )
        return None


def seen_stored(*, actor: Any, encounter_id: int) -> dict[int, list[SeenBefore]] | None:
    return selectors.seen_before(actor=actor, encounter_id=encounter_id)
