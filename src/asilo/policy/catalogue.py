"""Loading the catalogue and asking it what is in force at a moment."""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import ValidationError

from asilo.policy.schema import (
    Manifest,
    Period,
    PolicyDocument,
    Strict,
    _nested_models,
    unread_fields,
    value_type,
)

CATALOGUE_DIR = Path(__file__).with_name("catalogue")
MANIFEST = "manifest.yaml"
NOON = time(12, 0)
EASTERN = ZoneInfo("America/New_York")


def today_eastern() -> date:
    """Today's date on the U.S. Eastern clock (the catalogue's time zone)."""
    return datetime.now(EASTERN).date()


class CatalogueError(ValueError):
    """A catalogue (or scenario) file breaks the schema; the message names the file and field."""


if TYPE_CHECKING:
    _SafeLoader = yaml.SafeLoader
else:  # libyaml's parser (in PyYAML's wheels) reads the catalogue about ten times faster
    _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _PlainLoader(_SafeLoader):
    """A safe loader that leaves dates and times as strings, so the schema can insist on ISO."""


_PlainLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(path: Path) -> Any:
    """Parse a YAML file without YAML's date guessing; errors name the file and line."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_PlainLoader)
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path}: not valid YAML: {exc}") from exc


def describe_validation_error(source: str, exc: ValidationError) -> str:
    """One line per problem: ``source: field.path: message``."""
    lines = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "(document)"
        lines.append(f"{source}: {where}: {error['msg']}")
    return "\n".join(lines)


@dataclass(frozen=True)
class _Timeline:
    """A document's periods as sorted start instants for bisecting."""

    document: PolicyDocument
    starts: tuple[datetime, ...]
    ends: tuple[datetime | None, ...]
    values: tuple[Strict | None, ...]


def _timeline(document: PolicyDocument) -> _Timeline:
    return _Timeline(
        document=document,
        starts=tuple(p.start_instant() for p in document.values),
        ends=tuple(p.end_instant() for p in document.values),
        values=tuple(document.typed_values()),
    )


@dataclass(frozen=True)
class InForce:
    """The value of one document in force at a moment (``value`` is ``None`` if not in force)."""

    name: str
    index: int | None
    period: Period | None
    value: Strict | None


@dataclass(frozen=True)
class CatalogueState:
    """Everything the catalogue says at one moment: what ``decide`` reads instead of the date.

    ``key`` identifies the state: two moments with the same key get the same decisions for the
    same encounter, which is what lets :func:`asilo.policy.decide_many` decide each shape once.
    """

    entries: Mapping[str, InForce]
    time_assumed: tuple[InForce, ...]
    uncertain: tuple[InForce, ...]
    key: tuple[Any, ...] = field(compare=False)
    #: the moment is after the catalogue's ``verified_through`` date: the rules last in force
    #: apply, but no source confirms they still did then.
    after_verified: bool = False
    verified_through: date | None = None
    #: typed views of the entries, filled as the rules ask (see ``rules.base.Context.at``)
    typed: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def get(self, name: str) -> InForce:
        return self.entries[name]


class Catalogue:
    """The policy catalogue: documents by name, the dates it covers, and a version."""

    def __init__(
        self, documents: Iterable[PolicyDocument], manifest: Manifest, version: str
    ) -> None:
        self.documents: dict[str, PolicyDocument] = {d.name: d for d in documents}
        self.manifest = manifest
        self.version = version
        self._timelines = {name: _timeline(doc) for name, doc in self.documents.items()}
        self._boundaries = self._boundary_dates()

    @property
    def verified_through(self) -> date:
        """The last day the fact sheets source."""
        return self.manifest.verified_through

    @property
    def covers(self) -> tuple[date, date]:
        """The days ``decide`` answers: from ``covers_from`` to tomorrow (U.S. Eastern).

        Days after ``verified_through`` are decided by the rules last in force, with the flag
        ``after_verified_coverage``; days after tomorrow are the future and are refused (a
        scenario may replay them).
        """
        tomorrow = today_eastern() + timedelta(days=1)
        return self.manifest.covers_from, max(self.manifest.verified_through, tomorrow)

    def covers_date(self, day: date, *, future: bool = False) -> bool:
        """Whether ``decide`` answers for ``day`` (``future=True``: any day from covers_from)."""
        first, last = self.covers
        return first <= day and (future or day <= last)

    def coverage_error(self, day: date, *, future: bool = False) -> str | None:
        """Why ``day`` cannot be decided (the message names the date), or ``None``."""
        first, last = self.covers
        if day < first:
            return f"{day} is before the catalogue's coverage, which starts on {first}"
        if not future and day > last:
            return (
                f"{day} is in the future (after {last}, tomorrow on the U.S. Eastern clock): the"
                " catalogue decides no future date; replay it under a --scenario"
            )
        return None

    def names(self) -> list[str]:
        return sorted(self.documents)

    def in_force(self, name: str, moment: datetime) -> InForce:
        """The value of ``name`` in force at ``moment`` (U.S. Eastern wall-clock time)."""
        timeline = self._timelines[name]
        index = bisect_right(timeline.starts, moment) - 1
        if index < 0:
            return InForce(name, None, None, None)
        end = timeline.ends[index]
        if end is not None and moment >= end:
            return InForce(name, None, None, None)
        period = timeline.document.values[index]
        return InForce(name, index, period, timeline.values[index])

    def state_at(self, day: date, clock: time | None = None) -> CatalogueState:
        """What is in force on ``day`` at ``clock`` (noon when no time is given)."""
        moment = datetime.combine(day, clock or NOON)
        entries = {name: self.in_force(name, moment) for name in self.documents}
        time_assumed: tuple[InForce, ...] = ()
        if clock is None:
            time_assumed = tuple(
                self._entry(name, index) for name, index in self._boundaries.get(day, ())
            )
        uncertain = tuple(
            self._entry(name, index)
            for name, timeline in self._timelines.items()
            for index, period in enumerate(timeline.document.values)
            if period.uncertain_between is not None
            and period.uncertain_between[0] <= day <= period.uncertain_between[1]
        )
        after_verified = day > self.manifest.verified_through
        key = (
            tuple(e.index for e in entries.values()),
            tuple((e.name, e.index) for e in time_assumed),
            tuple((e.name, e.index) for e in uncertain),
            after_verified,
        )
        return CatalogueState(
            entries, time_assumed, uncertain, key, after_verified, self.manifest.verified_through
        )

    def _entry(self, name: str, index: int) -> InForce:
        timeline = self._timelines[name]
        return InForce(name, index, timeline.document.values[index], timeline.values[index])

    def first_entry(self, name: str) -> InForce:
        """The first value of a document (to cite a policy outside its period)."""
        return self._entry(name, 0)

    def _boundary_dates(self) -> dict[date, tuple[tuple[str, int], ...]]:
        """Days on which a value starts at a clock time other than midnight, and which value."""
        days: dict[date, list[tuple[str, int]]] = {}
        for name, timeline in self._timelines.items():
            for index, start in enumerate(timeline.starts):
                if start.time() != time(0, 0):
                    days.setdefault(start.date(), []).append((name, index))
        return {day: tuple(found) for day, found in days.items()}

    def changes_between(self, first: date, last: date) -> list[PolicyChange]:
        """Every value that starts, or ends, between two dates inclusive, in date order.

        A value that ends is listed only when no other value of the policy follows it at once
        (otherwise the next value's start says it)."""
        found: list[PolicyChange] = []
        for document in self.documents.values():
            for index, period in enumerate(document.values):
                end = period.end_instant()
                if first <= period.start <= last:
                    found.append(PolicyChange(period.start, document, index, ends=False))
                if end is not None and first <= end.date() <= last:
                    following = index + 1 < len(document.values) and (
                        document.values[index + 1].start_instant() == end
                    )
                    if not following:
                        found.append(PolicyChange(end.date(), document, index, ends=True))
        return sorted(found, key=PolicyChange.order)


@dataclass(frozen=True)
class PolicyChange:
    """One value of a policy that starts, or ends, on ``day``."""

    day: date
    document: PolicyDocument
    #: The value's position in ``document.values``.
    index: int
    #: True: the value ends on ``day`` (and no other follows at once); False: it starts.
    ends: bool

    @property
    def period(self) -> Period:
        return self.document.values[self.index]

    def order(self) -> tuple[date, str, int]:
        """Date, policy, then the value's place in time (a value's end after its start)."""
        return (self.day, self.document.name, self.index + 1 if self.ends else self.index)


def parse_documents(
    raw: Mapping[str, tuple[str, Any]],
) -> list[PolicyDocument]:
    """Validate raw documents (name -> (source, data)); errors name the source and field."""
    documents: list[PolicyDocument] = []
    problems: list[str] = []
    for name, (source, data) in sorted(raw.items()):
        if not isinstance(data, dict):
            problems.append(f"{source}: the document is not a mapping")
            continue
        if data.get("name") != name:
            problems.append(f"{source}: name: {data.get('name')!r} must equal its path {name!r}")
            continue
        try:
            documents.append(PolicyDocument.model_validate(data))
        except ValidationError as exc:
            problems.append(describe_validation_error(source, exc))
    if not problems:
        problems.extend(_unread_problems(documents))
    if problems:
        raise CatalogueError("\n".join(problems))
    return documents


def _unread_problems(documents: list[PolicyDocument]) -> list[str]:
    """A catalogue field that no rule reads fails the check (it would change nothing)."""
    from asilo.policy.rules.registry import field_reads

    unread = set(unread_fields(field_reads()))
    problems = []
    for document in documents:
        model = value_type(document.name)
        if model is None:
            continue
        for name in sorted(unread):
            owner = name.split(".", 1)[0]
            if owner in _models_of(model):
                problems.append(
                    f"{document.name}: {name} is read by no rule; make a rule read it or mark"
                    " it documentation (schema.DOC)"
                )
    return problems


def _models_of(model: type[Strict]) -> set[str]:
    return {m.__name__ for m in [model, *_nested(model)]}


def _nested(model: type[Strict]) -> list[type[Strict]]:
    found: list[type[Strict]] = []
    for info in model.model_fields.values():
        for nested in _nested_models(info.annotation):
            found.extend([nested, *_nested(nested)])
    return found


def content_version(texts: Iterable[tuple[str, str]], newest: date) -> str:
    """``<newest verification date>+<first 12 hex digits of the content's SHA-256>``."""
    digest = hashlib.sha256()
    for name, text in sorted(texts):
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(text.encode())
        digest.update(b"\0")
    return f"{newest.isoformat()}+{digest.hexdigest()[:12]}"


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Load and check a catalogue directory (the shipped one, cached, when ``path`` is None)."""
    return _load(CATALOGUE_DIR if path is None else path.resolve())


@lru_cache(maxsize=8)
def _load(root: Path) -> Catalogue:
    if not root.is_dir():
        raise CatalogueError(f"{root}: no such catalogue directory")
    manifest_path = root / MANIFEST
    if not manifest_path.is_file():
        raise CatalogueError(f"{manifest_path}: the catalogue has no manifest")
    try:
        manifest = Manifest.model_validate(read_yaml(manifest_path))
    except ValidationError as exc:
        raise CatalogueError(describe_validation_error(str(manifest_path), exc)) from exc
    raw: dict[str, tuple[str, Any]] = {}
    texts: list[tuple[str, str]] = []
    for file in sorted(root.rglob("*.yaml")):
        if file == manifest_path:
            continue
        name = file.relative_to(root).with_suffix("").as_posix()
        raw[name] = (str(file), read_yaml(file))
        texts.append((name, file.read_text(encoding="utf-8")))
    texts.append((MANIFEST, manifest_path.read_text(encoding="utf-8")))
    documents = parse_documents(raw)
    newest = max(p.last_verified_on for d in documents for p in d.values)
    return Catalogue(documents, manifest, content_version(texts, newest))
