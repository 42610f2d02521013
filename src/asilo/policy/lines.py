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

import json
import re
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any, BinaryIO

import orjson

from asilo.policy.batch import FACTS, age_thresholds
from asilo.policy.catalogue import Catalogue, CatalogueState
from asilo.policy.decision import Decision
from asilo.policy.encounter import Encounter, EncounterInputError, parse_encounter
from asilo.policy.engine import decide, decide_in_state
from asilo.policy.scenario import Scenario

_PERSON_FIELDS = frozenset({"age", "nationality", "role", "relationship", "lawful_status"})
_MAX_AGE = 130
_MAX_PEOPLE = 30
_MISSING = object()

#: A key: the catalogue state, the place, each person and the declared facts.
DocumentKey = tuple[object, ...]
#: A key of a line's text: the catalogue state, the text around the ages, each age's bucket.
TextKey = tuple[object, ...]
_DATE_OPENING = b'{"date": "'  # as json.dumps writes it
_COMPACT_DATE_OPENING = b'{"date":"'  # as orjson and json.dumps(separators=...) write it
#: An ``age`` field of a whole number written as JSON writes it (no sign, no leading zero, not
#: followed by a fraction or an exponent), as ``json.dumps`` and orjson space it or not.
_AGE_FIELD = re.compile(rb'"age": ?(0|[1-9][0-9]{0,2})(?![0-9.eE])')
#: Date texts whose state is remembered (a file of distinct bad dates does not grow it more).
_DAY_MEMORY = 1 << 16


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
        self._state_ids: dict[object, int] = {}
        self._text_days: dict[bytes, object] = {}
        self._text_bucket = {str(age).encode(): self._bucket[age] for age in range(_MAX_AGE + 1)}

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
                # a small number for the state's key (a long tuple, slow to hash per line)
                state = self._state_ids.setdefault(found.key, len(self._state_ids))
        if len(self._days) < _DAY_MEMORY:  # a file of distinct bad dates does not grow it more
            self._days[text] = state
        return state

    def decide(self, encounter: Encounter) -> Decision:
        """``decide(encounter, ...)`` for a validated encounter of a keyed document (its date
        is covered; the state at noon of its day was looked up once for the key)."""
        state = self._states.get(encounter.date) if encounter.time is None else None
        if state is None:
            state = self._deciding.state_at(encounter.date, encounter.time)
        return decide_in_state(encounter, self._deciding, state, self._scenario)

    def text_key(self, line: bytes) -> TextKey | None:
        """A key of a JSON line from its text alone, without parsing it, or ``None``.

        Only for a line that begins ``{"date": "`` (or ``{"date":"``) and a 10-character
        date, and has no backslash (so every ``"`` opens or closes a string, and ``"age": ``
        outside a string is an object's field): the key is the date's catalogue state, each
        ``"age": N`` number's age bucket, and the rest of the text, byte for byte. Two lines
        with the same key differ only in that first date (within one state), in whole-number
        ages (within one bucket) and perhaps in the space after the first colon: if one of
        them is JSON whose :meth:`key` is not ``None``, the other is JSON too, with the same
        :meth:`key` (its date and ages are exactly the values :meth:`key` reads, and a later
        repeated ``date`` or ``age`` field is in the rest of the text)."""
        if line[:10] == _DATE_OPENING:
            start = 10
        elif line[:9] == _COMPACT_DATE_OPENING:
            start = 9
        else:
            return None
        end = start + 10
        if line[end : end + 1] != b'"' or b"\\" in line:
            return None
        state = self._text_days.get(day := line[start:end], _MISSING)
        if state is _MISSING:
            state = None
            if day.isascii():
                state = self._day(day.decode("ascii"))
            if len(self._text_days) < _DAY_MEMORY:
                self._text_days[day] = state
        if state is None:
            return None
        parts = _AGE_FIELD.split(line)
        ages = parts[1::2]
        del parts[1::2]
        parts[0] = parts[0][end:]  # the opening (either spacing) is the same JSON
        try:
            return (state, *parts, *map(self._text_bucket.__getitem__, ages))
        except KeyError:  # an age over the maximum
            return None

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


#: How much of a JSON Lines file is read at a time: big enough that the per-read cost vanishes,
#: small enough that memory stays bounded whatever the file's size.
CHUNK_BYTES = 1 << 23
#: The longest line read: an encounter of at most 30 people takes a few kilobytes of JSON, so a
#: longer line is refused (named, with the others) without being held.
MAX_LINE_BYTES = 1 << 20
#: Lines not of the plain form (no key) whose answers are remembered, by their text: enough for
#: repeated odd lines, bounded so a file of distinct odd lines does not hold them all.
_LINE_MEMORY = 65_536
#: Keys (of documents, and of lines by their text: :meth:`DocumentKeys.text_key`) remembered at
#: most, each a few hundred bytes: a file of ever new keys still runs in bounded memory (later
#: keys are then validated and decided line by line, as the same answers).
_KEY_MEMORY = 1 << 17
#: Problems whose messages are kept (every bad line is counted).
PROBLEMS_KEPT = 1_000
_NOT_JSON = object()
_BOM = b"\xef\xbb\xbf"
_TOO_LONG = (
    f"(line): longer than {MAX_LINE_BYTES:,} bytes (an encounter of at most 30 people takes a"
    " few kilobytes)"
)


def json_lines(
    handle: BinaryIO, chunk_bytes: int = CHUNK_BYTES, max_line: int = MAX_LINE_BYTES
) -> Iterator[list[bytes]]:
    """The lines of a binary file, a chunk at a time (each line without its line break).

    Lines end at ``\\n``, ``\\r\\n`` or ``\\r``, as ``bytes.splitlines`` splits them; a line
    longer than a chunk is carried into the next read. A line longer than ``max_line`` bytes is
    given as more than ``max_line`` bytes, not always whole: once its start held in memory
    passes ``max_line``, that much is given and the rest of it skipped, so memory stays bounded
    whatever the file holds. A UTF-8 byte order mark at the start of the file is
    skipped (as ``utf-8-sig`` reads it)."""
    rest = handle.read(len(_BOM))
    if rest == _BOM:
        rest = b""
    skipping = False  # inside a line given as too long: its bytes up to its end are dropped
    after_cr = False  # the last chunk ended with a line's \r: a \n next is part of that end
    while block := handle.read(chunk_bytes):
        if after_cr and block[:1] == b"\n":
            block = block[1:]
        after_cr = False
        if skipping:
            end = _after_line_break(block)
            if end < 0:
                continue
            skipping, after_cr = False, end == len(block) and block[-1:] == b"\r"
            block = block[end:]
        if rest:
            block = rest + block
        # the last line break, but not a final \r that may be the start of a \r\n
        cut = max(block.rfind(b"\n"), block.rfind(b"\r", 0, len(block) - 1)) + 1
        rest = block[cut:]
        if cut:
            whole = block[:cut] if rest else block
            yield whole.splitlines() if b"\r" in whole else whole.split(b"\n")[:-1]
        if len(rest) > max_line:
            yield [rest[: max_line + 1]]
            if rest[-1:] == b"\r":  # the line ended with this chunk
                after_cr = True
            else:
                skipping = True
            rest = b""
    if rest:
        yield rest.splitlines()


def _after_line_break(block: bytes) -> int:
    """The index just after the first line break of ``block`` (``-1``: none)."""
    lf, cr = block.find(b"\n"), block.find(b"\r")
    if cr >= 0 and (lf < 0 or cr < lf):
        return cr + 2 if block[cr + 1 : cr + 2] == b"\n" else cr + 1
    return lf + 1 if lf >= 0 else -1


class LineAnswers:
    """The decisions of JSON lines (``asilo decide --batch``), as the JSON text each line gets.

    :meth:`add` takes lines in order; every non-blank line gets an answer (an index into
    :attr:`answers`, appended to :attr:`order`) or a problem (:attr:`problems`: its line number
    and the full validation's message; the first :data:`PROBLEMS_KEPT`, and all are counted in
    :attr:`problem_count`). A line of the plain form gets a key
    (:class:`DocumentKeys`): the first line with a key is validated and decided in full and
    every later line with that key takes its answer. Any other line is validated and decided on
    its own (identical lines and identical encounters once). A blank line (only white space)
    gets nothing. ``parse_text`` validates a line that is not JSON for orjson (its errors are
    the messages). The answers are the bytes of ``json.dumps(decision.model_dump(mode="json"),
    ensure_ascii=False)`` and a line break, as deciding each line on its own gives."""

    def __init__(
        self,
        catalogue: Catalogue,
        *,
        scenario: Scenario | None = None,
        parse_text: Callable[[str], Encounter],
    ) -> None:
        self._catalogue = catalogue
        self._scenario = scenario
        self._future = scenario is not None
        self._parse_text = parse_text
        self._keys = DocumentKeys(
            catalogue,
            deciding=None if scenario is None else scenario.apply(catalogue),
            scenario=None if scenario is None else scenario.name,
            future=self._future,
        )
        self.answers: list[bytes] = []
        self.order = array("I")
        self.problems: list[tuple[int, str]] = []  # the first PROBLEMS_KEPT
        self.problem_count = 0
        self._by_key: dict[DocumentKey, int] = {}
        self._by_line: dict[bytes, int] = {}
        self._by_text: dict[TextKey, int] = {}
        self._by_encounter: dict[str, int] = {}
        self._by_decision: dict[str, int] = {}
        self.lines = 0

    def add(self, lines: list[bytes]) -> None:
        """Decide the next lines of the file (numbered after those already added)."""
        loads, error = orjson.loads, orjson.JSONDecodeError
        key_of, by_key = self._keys.key, self._by_key
        text_key, by_text = self._keys.text_key, self._by_text
        append, slow = self.order.append, self._answer
        number = self.lines
        for line in lines:
            number += 1
            if len(line) > MAX_LINE_BYTES:
                self._problem(number, _TOO_LONG)
                continue
            texts = text_key(line)
            if texts is not None:
                index = by_text.get(texts)
                if index is not None:
                    append(index)
                    continue
            try:
                document = loads(line)
            except error:
                index = slow(number, line, _NOT_JSON, None)
            else:
                key = key_of(document)
                index = None if key is None else by_key.get(key)
                if index is None:
                    index = slow(number, line, document, key)
                if (
                    index is not None
                    and key is not None
                    and texts is not None
                    and len(by_text) < _KEY_MEMORY
                ):
                    by_text[texts] = index  # the same key, certain (see text_key)
            if index is not None:
                append(index)
        self.lines = number

    def _answer(
        self, number: int, line: bytes, document: Any, key: DocumentKey | None
    ) -> int | None:
        """The answer of a line without a known key: validated and decided in full."""
        if key is None and (known := self._by_line.get(line)) is not None:
            return known
        try:
            if document is _NOT_JSON:
                try:
                    text = line.decode("utf-8")
                except UnicodeDecodeError as exc:
                    byte = f"byte 0x{line[exc.start]:02x} at column {exc.start + 1}"
                    raise EncounterInputError(
                        [("(line)", f"not UTF-8 text ({byte}); save the file as UTF-8")]
                    ) from None
                if not text.strip():
                    return None  # a blank line
                encounter = self._parse_text(text)
            else:
                encounter = parse_encounter(
                    document, catalogue=self._catalogue, future=self._future
                )
            if key is not None:  # a new key: decide()'s steps, the state looked up once
                index = self._index(self._keys.decide(encounter))
            else:  # identical encounters once (a bounded memory, as for lines)
                encounter_key = encounter.model_dump_json()
                known = self._by_encounter.get(encounter_key)
                if known is None:
                    decision = decide(encounter, catalogue=self._catalogue, scenario=self._scenario)
                    known = self._index(decision)
                    if len(self._by_encounter) < _LINE_MEMORY:
                        self._by_encounter[encounter_key] = known
                index = known
        except EncounterInputError as exc:
            self._problem(number, str(exc))
            return None
        if key is not None:
            if len(self._by_key) < _KEY_MEMORY:
                self._by_key[key] = index
        elif len(self._by_line) < _LINE_MEMORY:
            self._by_line[line] = index
        return index

    def _problem(self, number: int, message: str) -> None:
        """Count a bad line; keep the first messages (a file of bad lines is not held)."""
        self.problem_count += 1
        if len(self.problems) < PROBLEMS_KEPT:
            self.problems.append((number, message))

    def _index(self, decision: Decision) -> int:
        """The number of a decision's answer: decisions whose compact JSON (pydantic's, fast)
        is the same are the same values, so the same answer, kept and formatted once."""
        compact = decision.model_dump_json()
        index = self._by_decision.get(compact)
        if index is None:
            text = json.dumps(decision.model_dump(mode="json"), ensure_ascii=False)
            index = self._by_decision[compact] = len(self.answers)
            self.answers.append((text + "\n").encode("utf-8"))
        return index
