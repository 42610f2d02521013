"""Keys of encounter documents that are certain to get the same decision (``decide --batch``).

``decide`` reads an encounter's date only through the catalogue state in force at noon of that
day (no ``time`` given), and each person's age only against the catalogue's age thresholds
(adulthood, the Tamaulipas practice): :mod:`asilo.policy.batch` relies on the same facts, and
``tests/policy/test_policy_batch_and_replay.py`` checks them against ``decide``. So two
documents of the plain form below that agree on everything else and differ only in the day
(within one catalogue state) or in ages (within one bucket between thresholds) are validated
the same way and decided the same way, to the byte.

:class:`DocumentKeys` gives such a key for a parsed JSON document, without building the pydantic
model, or ``None`` when the document is not of the plain form or a value needs the full
validation (then the caller validates and decides it as one document, as before):

- only the fields ``date`` (a ``YYYY-MM-DD`` text inside the catalogue's coverage), ``place``
  (an object of the texts ``kind`` and ``name`` only), ``people`` (1 to 30 objects) and the
  declared facts (``true`` or ``false``);
- each person only ``age`` (a whole number from 0 to 130), ``nationality`` (a text), and
  ``role``, ``relationship``, ``lawful_status`` as given (the full validation of the first
  document with a key judges them; a key whose first document is refused is never shared).
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date
from typing import Any

from asilo.policy.batch import FACTS, age_thresholds
from asilo.policy.catalogue import Catalogue, CatalogueState
from asilo.policy.decision import Decision
from asilo.policy.encounter import Encounter
from asilo.policy.engine import decide_in_state

_PERSON_FIELDS = frozenset({"age", "nationality", "role", "relationship", "lawful_status"})
_MAX_AGE = 130
_MAX_PEOPLE = 30
_MISSING = object()

#: A key: the catalogue state, the place, each person and the declared facts.
DocumentKey = tuple[object, ...]


class DocumentKeys:
    """Keys of plain encounter documents: ``catalogue`` and ``future`` validate the date as
    ``parse_encounter`` does, and ``deciding`` (the catalogue changed by a scenario, if any;
    ``catalogue`` otherwise) gives the state and the age thresholds, as ``decide`` does."""

    def __init__(
        self,
        catalogue: Catalogue,
        *,
        deciding: Catalogue | None = None,
        scenario: str | None = None,
        future: bool = False,
    ) -> None:
        self._catalogue = catalogue
        self._deciding = catalogue if deciding is None else deciding
        self._scenario = scenario
        self._future = future
        self._states: dict[date, CatalogueState] = {}
        bounds = (0, *age_thresholds(self._deciding))
        self._bucket = tuple(bounds[bisect_right(bounds, age) - 1] for age in range(_MAX_AGE + 1))
        self._facts = {name: bit for bit, name in enumerate(FACTS)}
        self._days: dict[str, object] = {}

    def _day(self, text: str) -> object:
        """The catalogue state's key of a date text, or ``None`` (not a date, not covered)."""
        if text in self._days:
            return self._days[text]
        state: object = None
        if len(text) == len("YYYY-MM-DD"):
            try:
                day = date.fromisoformat(text)
            except ValueError:
                day = None
            if (
                day is not None
                and self._catalogue.coverage_error(day, future=self._future) is None
                and self._deciding.coverage_error(day, future=self._future) is None
            ):
                found = self._states[day] = self._deciding.state_at(day)
                state = found.key
        self._days[text] = state
        return state

    def decide(self, encounter: Encounter) -> Decision:
        """``decide(encounter, ...)`` for a validated encounter of a keyed document (its date
        is covered; the state at noon of its day was looked up once for the key)."""
        state = self._states.get(encounter.date) if encounter.time is None else None
        if state is None:
            state = self._deciding.state_at(encounter.date, encounter.time)
        return decide_in_state(encounter, self._deciding, state, self._scenario)

    def key(self, document: Any) -> DocumentKey | None:
        """The key of a parsed document, or ``None`` when it must be validated on its own."""
        if type(document) is not dict:
            return None
        facts: list[tuple[int, bool]] = []
        for name, value in document.items():
            if name in ("date", "place", "people"):
                continue
            bit = self._facts.get(name)
            if bit is None or type(value) is not bool:
                return None
            facts.append((bit, value))
        day = document.get("date")
        place = document.get("place")
        people = document.get("people")
        if type(day) is not str or type(place) is not dict or type(people) is not list:
            return None
        state = self._day(day)
        if state is None or len(place) != 2:
            return None
        kind, name = place.get("kind"), place.get("name")
        if type(kind) is not str or type(name) is not str:
            return None
        if not 1 <= len(people) <= _MAX_PEOPLE:
            return None
        persons: list[tuple[object, ...]] = []
        bucket = self._bucket
        fields = _PERSON_FIELDS
        for person in people:
            if type(person) is not dict or not fields.issuperset(person):
                return None
            age = person.get("age")
            nationality = person.get("nationality", _MISSING)
            role = person.get("role")
            relationship = person.get("relationship")
            status = person.get("lawful_status", _MISSING)
            if (
                type(age) is not int
                or not 0 <= age <= _MAX_AGE
                or (type(nationality) is not str and nationality is not _MISSING)
                or (role is not None and type(role) is not str)
                or (relationship is not None and type(relationship) is not str)
                or (type(status) is not str and status is not _MISSING and status is not None)
            ):
                return None
            persons.append((bucket[age], nationality, role, relationship, status))
        facts.sort()
        return (state, kind, name, tuple(persons), tuple(facts))
