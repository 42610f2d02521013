"""What every rule works with: the unit being decided, the draft outcome, and reasons.

A rule is a small function ``(ctx, draft) -> ...`` that reads the catalogue only through typed
keys (``ctx.at(TITLE42_ORDER).value``) and explains itself with a reason *code*: the sentence is
chosen from the message catalogue (:mod:`asilo.policy.messages`), and the citation from the
catalogue value the rule read. Rules read the date only through the catalogue state, which keeps
``decide`` pure and lets :mod:`asilo.policy.batch` decide each encounter shape once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from asilo.policy.catalogue import Catalogue, CatalogueState, InForce
from asilo.policy.decision import (
    Authority,
    Demographic,
    Option,
    Outcome,
    Pathway,
    Reason,
    ReasonCitation,
)
from asilo.policy.encounter import Encounter, Person
from asilo.policy.keys import Key, Typed, typed
from asilo.policy.messages import Msg, render
from asilo.policy.places import Place
from asilo.policy.schema import Strict

M = TypeVar("M", bound=Strict)
MEXICO = "MEX"

#: Which fields of each value model some rule reads (see :func:`reads`).
READS: dict[type[Strict], set[str]] = {}


def reads(model: type[Strict], *fields: str) -> None:
    """Declare that a rule module reads these fields of a value model.

    The schema check refuses a catalogue whose value models have a field that no rule reads and
    that is not marked as documentation (:data:`asilo.policy.schema.DOC`).
    """
    unknown = set(fields) - set(model.model_fields)
    if unknown:
        raise ValueError(f"{model.__name__} has no field {sorted(unknown)}")
    READS.setdefault(model, set()).update(fields)


@dataclass(frozen=True)
class Unit:
    """People who share one outcome: a family unit, or one single adult or child."""

    demographic: Demographic
    members: tuple[int, ...]


def _citation(entry: InForce, fact: str | None) -> ReasonCitation:
    if entry.period is None:
        raise ValueError(f"{entry.name}: a reason needs a catalogue value to cite")
    chosen = entry.period.citations[0]
    if fact is not None:
        chosen = next((c for c in entry.period.citations if c.fact == fact), chosen)
    return ReasonCitation(
        title=chosen.title, url=chosen.url, section=chosen.section, fact=chosen.fact
    )


_REASONS: dict[tuple[Any, ...], tuple[object, Reason]] = {}


def reason(
    entry: InForce, code: str, *, fact: str | None = None, **params: str | int | Msg
) -> Reason:
    """The reason ``code`` (a message of :mod:`asilo.policy.messages`) citing ``entry``'s value.

    ``fact`` picks the citation with that fact ID (else the value's first, strongest, source).
    Memoised: reasons are immutable, and deciding many encounters reuses them.
    """
    items = tuple(params.items())
    cached = _REASONS.get((id(entry.period), entry.name, code, fact, items))
    if cached is not None and cached[0] is entry.period:
        return cached[1]
    return reason_of(entry, Msg(code, items), fact=fact)


def reason_of(entry: InForce, message: Msg, *, fact: str | None = None) -> Reason:
    """:func:`reason` for a message built beforehand."""
    key = (id(entry.period), entry.name, message.code, fact, message.params)
    cached = _REASONS.get(key)
    if cached is not None and cached[0] is entry.period:
        return cached[1]
    texts = render(message.code, dict(message.params))
    made = Reason(
        rule=entry.name,
        code=message.code,
        text=texts["en"],
        text_es=texts["es"],
        text_ht=texts.get("ht"),
        citation=_citation(entry, fact),
    )
    if len(_REASONS) > 200_000:
        _REASONS.clear()
    _REASONS[key] = (entry.period, made)
    return made


@dataclass
class Draft:
    """The outcome of one unit as the rules build it."""

    demographic: Demographic
    authority: Authority = "title_8"
    pathway: Pathway = "processing"
    destination: str | None = None
    custody_limit_hours: int | None = None
    custody_standard_hours: int | None = None
    flags: list[str] = field(default_factory=list)
    options: list[Option] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)

    def flag(self, name: str) -> None:
        if name not in self.flags:
            self.flags.append(name)

    def option(self, authority: Authority, pathway: Pathway, dest: str | None, why: Reason) -> None:
        self.options.append(
            Option(authority=authority, pathway=pathway, destination=dest, reason=why)
        )

    def explain(
        self, entry: InForce, code: str, *, fact: str | None = None, **params: str | int | Msg
    ) -> Reason:
        """Give the reason ``code`` citing ``entry``'s value (:func:`reason`); return it."""
        why = reason(entry, code, fact=fact, **params)
        self.reasons.append(why)
        return why

    def discretionary(self, why: Reason, pathway: Pathway, destination: str, practice: str) -> None:
        """A Title 8 return left to the officer (MPP, a transfer agreement): ``pathway`` to
        ``destination`` is the outcome, processing the option, when the catalogue's practice
        default is ``"pathway"``; otherwise it is the option beside processing."""
        self.flag("discretionary")
        self.reasons.append(why)
        if practice == "pathway":
            self.pathway, self.destination = pathway, destination
            self.option("title_8", "processing", None, why)
        else:
            self.option("title_8", pathway, destination, why)

    def outcome(self) -> Outcome:
        """The finished outcome: the draft's fields as they stand (its lists become tuples)."""
        return Outcome.model_validate(self, from_attributes=True)


@dataclass(frozen=True)
class Context:
    """One unit of an encounter, at the catalogue state of the encounter's moment."""

    encounter: Encounter
    place: Place
    state: CatalogueState
    catalogue: Catalogue
    unit: Unit
    people: tuple[Person, ...]
    nationalities: tuple[str, ...]

    @classmethod
    def of(
        cls,
        encounter: Encounter,
        place: Place,
        state: CatalogueState,
        catalogue: Catalogue,
        unit: Unit,
    ) -> Context:
        people = tuple(encounter.people[i] for i in unit.members)
        nationalities = tuple(p.nationality for p in people)
        return cls(encounter, place, state, catalogue, unit, people, nationalities)

    def at(self, key: Key[M]) -> Typed[M]:
        """The typed value of a policy in force at the encounter's moment (kept on the state:
        every unit decided at that state reads the same values)."""
        found: Typed[Any] | None = self.state.typed.get(key.name)
        if found is None:
            found = typed(key, self.state.get(key.name))
            self.state.typed[key.name] = found
        return found

    def cited(self, key: Key[M]) -> InForce:
        """The entry to cite for a policy: its value in force, or its first value if none."""
        entry = self.state.get(key.name)
        return entry if entry.period is not None else self.catalogue.first_entry(key.name)

    @property
    def principal_nationality(self) -> str:
        return self.nationalities[0]

    @property
    def is_child_alone(self) -> bool:
        return self.unit.demographic == "unaccompanied_child"

    def travelling_family(self) -> list[Person]:
        """The unit, or the whole group when it declares family ties (a relationship)."""
        if any(p.relationship is not None for p in self.encounter.people):
            return list(self.encounter.people)
        return list(self.people)

    def at_port(self, ports: list[str]) -> bool:
        return self.place.kind == "port_of_entry" and self.place.name in ports


def source_uncertain(draft: Draft, entry: InForce) -> None:
    """A value marked uncertain that rests on a weak source: the decision says so."""
    period = entry.period
    if period is not None and period.uncertain and any(c.kind == "weak" for c in period.citations):
        draft.flag("source_uncertain")
