"""Deciding many encounters fast: each distinct encounter *shape* is decided once.

``decide`` is pure and reads the date only through the catalogue state in force, and ages only
against the catalogue's age thresholds. So encounters that share the catalogue state, place,
nationality, group shape (ages bucketed by those thresholds) and declared facts get the same
decision. :func:`decide_many` takes a compact columnar batch, finds the distinct keys with
numpy, decides one representative of each with :func:`decide_in_state`, and maps the decisions
back to every encounter.
"""

from __future__ import annotations

import gc
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import cast

import numpy as np
import numpy.typing as npt

from asilo.policy.catalogue import Catalogue
from asilo.policy.countries import ISO3
from asilo.policy.decision import AUTHORITIES, DEMOGRAPHICS, PATHWAYS, Decision
from asilo.policy.encounter import ADULT_AGE, Encounter, PlaceRef
from asilo.policy.encounter import Person as PersonDoc
from asilo.policy.engine import decide_in_state
from asilo.policy.places import PLACES
from asilo.policy.schema import TamaulipasPractice

EPOCH = date(1970, 1, 1)
NATIONALITIES: tuple[str, ...] = tuple(sorted(ISO3))
NATIONALITY_INDEX = {code: i for i, code in enumerate(NATIONALITIES)}
PLACE_INDEX = {(p.kind, p.name): i for i, p in enumerate(PLACES)}
DESTINATIONS: tuple[str | None, ...] = (None, *NATIONALITIES)
_AUTHORITY_CODE = {name: i for i, name in enumerate(AUTHORITIES)}
_PATHWAY_CODE = {name: i for i, name in enumerate(PATHWAYS)}
_DEMOGRAPHIC_CODE = {name: i for i, name in enumerate(DEMOGRAPHICS)}

#: Bits of ``EncounterBatch.facts``: the declared booleans of the encounter document.
FACTS: tuple[str, ...] = (
    "cbp_one_appointment",
    "title42_exception_granted",
    "fear_of_return_to_mexico_established",
    "asylum_denied_in_transit_country",
    "used_lawful_process",
    "cbp_one_unavailable_shown",
    "manifests_fear",
)

#: A group shape: for each person (age, relationship or None, lawful status); everyone shares one
#: nationality.
PersonShape = tuple[int, str | None, str]
GroupShape = tuple[PersonShape, ...]


@dataclass(frozen=True)
class EncounterBatch:
    """Encounters as columns: day (days since 1970-01-01), place, nationality, shape, facts."""

    day: npt.NDArray[np.int32]
    place: npt.NDArray[np.int16]
    nationality: npt.NDArray[np.int16]
    shape: npt.NDArray[np.int32]
    facts: npt.NDArray[np.uint8]
    shapes: tuple[GroupShape, ...]

    def __len__(self) -> int:
        return int(self.day.shape[0])


@dataclass(frozen=True)
class BatchOutcome:
    """Every encounter's decision as an index into ``decisions``, with coded columns."""

    decisions: tuple[Decision, ...]
    index: npt.NDArray[np.int32]
    authority: npt.NDArray[np.uint8]
    pathway: npt.NDArray[np.uint8]
    destination: npt.NDArray[np.int16]
    demographic: npt.NDArray[np.uint8]

    def decision(self, row: int) -> Decision:
        return self.decisions[int(self.index[row])]


def day_number(day: date) -> int:
    return (day - EPOCH).days


def age_thresholds(catalogue: Catalogue) -> tuple[int, ...]:
    """Every age at which a rule's answer can change: adulthood and the Tamaulipas threshold."""
    found = {ADULT_AGE}
    for period in catalogue.documents["title42/tamaulipas_young_children"].values:
        if period.value is not None:
            found.add(TamaulipasPractice.model_validate(period.value).youngest_child_under)
    return tuple(sorted(found))


def _canonical_shape(shape: GroupShape, thresholds: tuple[int, ...]) -> GroupShape:
    """Each age replaced by the lowest age of its bucket between thresholds.

    When every adult is a parent or legal guardian the group is one unit (no per-person
    ``members``), so the order of its children cannot change the decision: they are sorted.
    """
    bounds = (0, *thresholds)
    canonical = tuple(
        (bounds[bisect_right(bounds, age) - 1], rel, status) for age, rel, status in shape
    )
    adults = [p for p in canonical if p[0] >= ADULT_AGE]
    if adults and all(rel in ("parent", "legal_guardian") for _, rel, _ in adults):
        children = sorted(p for p in canonical if p[0] < ADULT_AGE)
        return (*adults, *children)
    return canonical


@lru_cache(maxsize=65536)
def _person(age: int, nationality: str, relationship: str | None, status: str) -> PersonDoc:
    """A person of the compact form (immutable, so one object serves every encounter)."""
    return PersonDoc.model_construct(
        age=age,
        nationality=nationality,
        role=None,
        relationship=relationship,
        vulnerabilities=(),
        lawful_status=status,
        recent_presence=None,
    )


@lru_cache(maxsize=256)
def _place_ref(place: int) -> PlaceRef:
    spot = PLACES[place]
    return PlaceRef.model_construct(kind=spot.kind, name=spot.name)


def _representative(
    day: int, place: int, nationality: int, shape: GroupShape, facts: int
) -> Encounter:
    code = NATIONALITIES[nationality]
    people = tuple(_person(age, code, rel, status) for age, rel, status in shape)
    values: dict[str, object] = {name: bool(facts >> bit & 1) for bit, name in enumerate(FACTS)}
    values.update(
        date=EPOCH + timedelta(days=day),
        time=None,
        place=_place_ref(place),
        people=people,
        unaccompanied=None,
        mpp_case=None,
    )
    return Encounter.model_construct(None, **values)


def decide_many(batch: EncounterBatch, *, catalogue: Catalogue) -> BatchOutcome:
    """Decide every encounter of the batch (each distinct shape once)."""
    thresholds = age_thresholds(catalogue)
    canonical: dict[GroupShape, int] = {}
    shape_map = np.empty(len(batch.shapes), dtype=np.int32)
    for i, shape in enumerate(batch.shapes):
        shape_map[i] = canonical.setdefault(_canonical_shape(shape, thresholds), len(canonical))
    canonical_shapes = list(canonical)

    days, day_inverse = np.unique(batch.day, return_inverse=True)
    states = [catalogue.state_at(EPOCH + timedelta(days=int(d))) for d in days]
    state_ids: dict[object, int] = {}
    day_state = np.array([state_ids.setdefault(s.key, len(state_ids)) for s in states], np.int64)
    state_of = {state_ids[s.key]: s for s in states}
    state_day = {state_ids[s.key]: int(d) for s, d in zip(states, days, strict=True)}

    key = day_state[day_inverse.ravel()]
    key = key * len(PLACES) + batch.place.astype(np.int64)
    key = key * len(NATIONALITIES) + batch.nationality.astype(np.int64)
    key = key * len(canonical_shapes) + shape_map[batch.shape].astype(np.int64)
    key = key * (1 << len(FACTS)) + batch.facts.astype(np.int64)
    unique_keys, inverse = np.unique(key, return_inverse=True)

    decisions: list[Decision] = []
    codes = np.empty((len(unique_keys), 4), dtype=np.int32)
    destination_code = {code: i for i, code in enumerate(DESTINATIONS)}
    collecting = gc.isenabled()
    gc.disable()  # many small immutable objects and no cycles: collections would only rescan them
    try:
        for row, value in enumerate(unique_keys.tolist()):
            value, facts = divmod(value, 1 << len(FACTS))
            value, shape = divmod(value, len(canonical_shapes))
            value, nationality = divmod(value, len(NATIONALITIES))
            state_id, place = divmod(value, len(PLACES))
            encounter = _representative(
                state_day[state_id], place, nationality, canonical_shapes[shape], facts
            )
            decision = decide_in_state(encounter, catalogue, state_of[state_id], None)
            decisions.append(decision)
            codes[row] = (
                _AUTHORITY_CODE[decision.authority],
                _PATHWAY_CODE[decision.pathway],
                destination_code[decision.destination],
                _DEMOGRAPHIC_CODE[decision.demographic],
            )
    finally:
        if collecting:
            gc.enable()
    index = inverse.ravel().astype(np.int32)
    return BatchOutcome(
        decisions=tuple(decisions),
        index=index,
        authority=cast(npt.NDArray[np.uint8], codes[index, 0].astype(np.uint8)),
        pathway=cast(npt.NDArray[np.uint8], codes[index, 1].astype(np.uint8)),
        destination=cast(npt.NDArray[np.int16], codes[index, 2].astype(np.int16)),
        demographic=cast(npt.NDArray[np.uint8], codes[index, 3].astype(np.uint8)),
    )
