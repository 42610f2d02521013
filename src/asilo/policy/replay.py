"""Replaying many encounters under two catalogues and reporting every changed outcome."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict

from asilo.policy.catalogue import Catalogue
from asilo.policy.decision import Authority, Decision, Demographic, Pathway
from asilo.policy.encounter import Encounter
from asilo.policy.engine import decide
from asilo.policy.lines import DocumentKeys
from asilo.policy.scenario import Scenario


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OutcomeSummary(_Frozen):
    authority: Authority
    pathway: Pathway
    destination: str | None
    demographic: Demographic
    custody_limit_hours: int | None
    members: tuple[tuple[int, Authority, Pathway, str | None], ...] = ()

    @classmethod
    def of(cls, decision: Decision) -> OutcomeSummary:
        return cls(
            **decision.model_dump(include=_SUMMARISED),
            members=tuple(
                (m.person, m.authority, m.pathway, m.destination) for m in decision.members
            ),
        )


#: The fields of a decision its summary keeps as they are (``members`` it keeps in short).
_SUMMARISED = set(OutcomeSummary.model_fields) - {"members"}


class ReplayChange(_Frozen):
    """One encounter (by its position in the input) whose outcome differs."""

    index: int
    date: str
    before: OutcomeSummary
    after: OutcomeSummary
    rules_after: tuple[str, ...]


class ReplayReport(_Frozen):
    baseline_version: str
    alternative_version: str
    encounters: int
    changed: int
    changes: tuple[ReplayChange, ...]


#: Outcomes remembered by encounter or by key at most (each a few hundred bytes): a file of ever
#: new encounters still replays in bounded memory (later ones are decided again, the same way).
_MEMORY = 1 << 17


class Replayer:
    """A replay fed one encounter at a time, holding only what its report needs: each distinct
    pair of outcomes once and, for each changed encounter, its position, date and pair (a few
    bytes); never the encounters. Identical encounters are decided once, and so are encounter
    documents of the same key under both catalogues (:class:`asilo.policy.lines.DocumentKeys`:
    certain to be validated and decided the same way)."""

    def __init__(
        self,
        catalogue: Catalogue,
        *,
        scenario: Scenario | None = None,
        alternative: Catalogue | None = None,
    ) -> None:
        if (scenario is None) == (alternative is None):
            raise ValueError("give exactly one of scenario= or alternative=")
        self.catalogue = catalogue
        self.other = alternative if alternative is not None else scenario.apply(catalogue)  # type: ignore[union-attr]
        self._keys = (
            DocumentKeys(catalogue, future=True),
            DocumentKeys(catalogue, deciding=self.other, future=True),
        )
        self.encounters = 0
        #: Each distinct (before, after, rules applied after) once; a pair's number is its place.
        self.pairs: list[tuple[OutcomeSummary, OutcomeSummary, tuple[str, ...]]] = []
        self._pair_numbers: dict[tuple[OutcomeSummary, OutcomeSummary, tuple[str, ...]], int] = {}
        self._changed_pairs: set[int] = set()
        self._by_encounter: dict[str, int] = {}
        self._by_key: dict[tuple[object, ...], int] = {}
        # the changed encounters: position, day (proleptic ordinal) and pair, a few bytes each
        self._positions = array("Q")
        self._days = array("I")
        self._changes = array("I")

    @property
    def changed(self) -> int:
        return len(self._positions)

    def add(self, encounter: Encounter) -> None:
        """Replay the next encounter (``decide``'s errors, e.g. a date it refuses, raised)."""
        key = encounter.model_dump_json()
        pair = self._by_encounter.get(key)
        if pair is None:
            pair = self._decided(encounter)
            if len(self._by_encounter) < _MEMORY:
                self._by_encounter[key] = pair
        self._record(encounter.date, pair)

    def add_document(self, document: Any, validate: Callable[[Any], Encounter]) -> None:
        """Replay the next encounter document (parsed JSON), which ``validate`` makes an
        encounter (or refuses, raising). A document of a known key takes that key's outcomes
        without being validated or decided again."""
        base, other = (keys.key(document) for keys in self._keys)
        if base is None or other is None:
            self.add(validate(document))
            return
        pair = self._by_key.get((base, other))
        if pair is None:
            encounter = validate(document)
            pair = self._decided(encounter)
            if len(self._by_key) < _MEMORY:
                self._by_key[(base, other)] = pair
            self._record(encounter.date, pair)
        else:  # the key's date text is one ``date.fromisoformat`` reads, as validation does
            self._record(date.fromisoformat(document["date"]), pair)

    def _decided(self, encounter: Encounter) -> int:
        # A replay is under a scenario, where deciding the future is the point: a date after
        # tomorrow is decided on both sides by the rules last in force (flagged as such).
        before = decide(encounter, catalogue=self.catalogue, future=True)
        after = decide(encounter, catalogue=self.other, future=True)
        rules = tuple(dict.fromkeys(r.rule for r in after.reasons))
        outcomes = (OutcomeSummary.of(before), OutcomeSummary.of(after), rules)
        number = self._pair_numbers.get(outcomes)
        if number is None:
            number = self._pair_numbers[outcomes] = len(self.pairs)
            self.pairs.append(outcomes)
            if outcomes[0] != outcomes[1]:
                self._changed_pairs.add(number)
        return number

    def _record(self, day: date, pair: int) -> None:
        if pair in self._changed_pairs:
            self._positions.append(self.encounters)
            self._days.append(day.toordinal())
            self._changes.append(pair)
        self.encounters += 1

    def changes(self) -> Iterator[tuple[int, str, int]]:
        """Each changed encounter, in order: its position, its date (YYYY-MM-DD) and the number
        of its pair of outcomes in :attr:`pairs`."""
        for position, day, pair in zip(self._positions, self._days, self._changes, strict=True):
            yield position, date.fromordinal(day).isoformat(), pair

    def report(self) -> ReplayReport:
        """The whole report (every change as a model: for a few, not a million)."""
        changes = []
        for position, day, pair in self.changes():
            before, after, rules = self.pairs[pair]
            changes.append(
                ReplayChange(
                    index=position, date=day, before=before, after=after, rules_after=rules
                )
            )
        return ReplayReport(
            baseline_version=self.catalogue.version,
            alternative_version=self.other.version,
            encounters=self.encounters,
            changed=self.changed,
            changes=tuple(changes),
        )


def replay(
    encounters: Iterable[Encounter],
    *,
    catalogue: Catalogue,
    scenario: Scenario | None = None,
    alternative: Catalogue | None = None,
) -> ReplayReport:
    """Decide every encounter under ``catalogue`` and under the alternative (a scenario applied
    to it, or another catalogue); report each encounter whose outcome changed."""
    replayer = Replayer(catalogue, scenario=scenario, alternative=alternative)
    for encounter in encounters:
        replayer.add(encounter)
    return replayer.report()
