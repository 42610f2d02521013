"""One new record against stored records, in plain Python: the application's look-up at
record time ("seen before"), a few hundred microseconds instead of a dozen DuckDB statements.

:class:`IndexedMatcher` gives the same answers as :class:`~asilo.linkage.engine.Matcher` (a
test compares them record by record, probabilities to the last bit): the same preparation as
:func:`~asilo.linkage.model.prepare_sql` (accents stripped as DuckDB's ``strip_accents``
does: canonical decomposition, every combining mark dropped), the same candidates (the
blocking rules of :data:`~asilo.linkage.model.BLOCKING_RULES`, held as a dictionary from
each rule's key values to the stored records that have them), and the same scoring: each
comparison's level chosen by the conditions of :func:`~asilo.linkage.model.comparisons` in
their order (SQL's NULL never satisfies a condition), its weight taken from Splink's own
settings object (``log2`` of its Bayes factor), summed onto the prior's weight in Splink's
order, and turned into a probability by Splink's formula. Jaro-Winkler and Levenshtein come
from RapidFuzz (DuckDB's ``jaro_winkler_similarity`` is RapidFuzz's algorithm).

Records stay in this process's memory only, as plain values; nothing is written anywhere.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from rapidfuzz.distance import JaroWinkler, Levenshtein

from asilo.linkage import model
from asilo.linkage.engine import Match

_NOT_LETTERS = re.compile("[^a-z]+")
_NOT_DOCUMENT = re.compile("[^A-Z0-9]")
_NOT_DIGITS = re.compile("[^0-9]")
_VOWELS = re.compile("[aeiou ]")
_DAY_ZERO = date(1900, 1, 1)


@dataclass(frozen=True, slots=True)
class Prepared:
    """The prepared columns of one record (:data:`~asilo.linkage.model.PREPARED_COLUMNS`
    that the comparisons and the blocking rules read); ``None`` is SQL's NULL."""

    unique_id: str
    given_norm: str | None
    given_first: str | None
    given_words: int | None
    first_surname: str | None
    second_surname: str | None
    surnames_key: str | None
    first_surname_consonants: str | None
    given_initial: str | None
    first_surname_initial: str | None
    second_surname_initial: str | None
    given_prefix: str | None
    first_surname_prefix: str | None
    surname_initials: tuple[str, ...] | None
    surname_prefixes: tuple[str, ...] | None
    dob_full: str | None
    dob_year: int | None
    dob_month: int | None
    dob_day: int | None
    dob_days: int | None
    sex: str | None
    nationality: str | None
    a_number: str | None
    document_number: str | None


def strip_accents(text: str) -> str:
    """DuckDB's ``strip_accents``: canonical decomposition, every mark (``M*``) dropped."""
    if text.isascii():
        return text
    return "".join(
        ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch)[0] != "M"
    )


def _norm(value: str | None) -> str | None:
    """:func:`asilo.linkage.model._norm`: lower case, no accents, letters and single spaces."""
    text = (value or "").replace("ª", "a").replace("º", "o")
    text = _NOT_LETTERS.sub(" ", strip_accents(text).lower()).strip(" ")
    return text or None


def _upper(text: str) -> str:
    """DuckDB's ``upper``: each character's simple upper case ("ß" stays "ß")."""
    if text.isascii():
        return text.upper()
    return "".join(u if len(u := ch.upper()) == 1 else ch for ch in text)


def _blank(value: str | None) -> str | None:
    """SQL's ``nullif(trim(x), '')`` (DuckDB's ``trim`` removes spaces only)."""
    text = (value or "").strip(" ")
    return text or None


def _sub(text: str | None, length: int) -> str | None:
    return None if text is None else text[:length]


def prepare(record: Mapping[str, str]) -> Prepared:
    """:func:`~asilo.linkage.model.prepare_sql` for one record of ``R.csv`` columns."""
    g = _norm(record.get("given_names"))
    fs = _norm(record.get("first_surname"))
    ss = _norm(record.get("second_surname"))
    dob = _blank(record.get("date_of_birth"))
    a_digits = _NOT_DIGITS.sub("", record.get("a_number") or "") or None
    document = _NOT_DOCUMENT.sub("", _upper(record.get("document_number") or "")) or None
    sex = _blank(record.get("sex"))
    nationality = _blank(record.get("nationality"))
    g_first: str | None = None
    given_norm: str | None = None
    given_words: int | None = None
    if g is not None:
        head = g.split(" ", 1)[0]
        g_first = model.GIVEN_ABBREVIATIONS.get(head, head)
        given_norm = g_first + g[len(head) :]
        given_words = g.count(" ") + 1
    full = dob if dob is not None and len(dob) == 10 else None
    year: int | None = None
    if dob is not None:
        try:
            year = int(dob[:4])
        except ValueError:
            year = None
    surnames_key: str | None = None
    initials: tuple[str, ...] | None = None
    prefixes: tuple[str, ...] | None = None
    if fs is not None:
        surnames_key = fs if ss is None else f"{min(fs, ss)}|{max(fs, ss)}"
        initials = (fs[:1],) if ss is None or fs[:1] == ss[:1] else (fs[:1], ss[:1])
        prefixes = (fs[:3],) if ss is None or fs[:3] == ss[:3] else (fs[:3], ss[:3])
    return Prepared(
        unique_id=record["record_id"],
        given_norm=given_norm,
        given_first=g_first or None,
        given_words=given_words,
        first_surname=fs,
        second_surname=ss,
        surnames_key=surnames_key,
        first_surname_consonants=None if fs is None else (_VOWELS.sub("", fs) or None),
        given_initial=_sub(g_first, 1),
        first_surname_initial=_sub(fs, 1),
        second_surname_initial=_sub(ss, 1),
        given_prefix=_sub(g_first, 3),
        first_surname_prefix=_sub(fs, 3),
        surname_initials=initials,
        surname_prefixes=prefixes,
        dob_full=full,
        dob_year=year,
        dob_month=int(full[5:7]) if full else None,
        dob_day=int(full[8:10]) if full else None,
        dob_days=(date.fromisoformat(full) - _DAY_ZERO).days if full else None,
        sex=None if sex is None else sex.upper(),
        nationality=None if nationality is None else nationality.upper(),
        a_number=None if a_digits is None else a_digits.rjust(9, "0")[:9],
        document_number=document,
    )


# --- blocking -----------------------------------------------------------------------------


def _rule_values(rule: model.BlockingRule, p: Prepared) -> Iterator[tuple[Any, ...]]:
    """Each combination of the rule's key values of ``p`` (list keys exploded); none when a
    key is missing."""
    combos: list[tuple[Any, ...]] = [()]
    for key in rule.keys:
        value = getattr(p, key)
        if value is None:
            return
        if key in model.ARRAY_KEYS:
            combos = [(*c, v) for c in combos for v in value]
        else:
            combos = [(*c, value) for c in combos]
    yield from combos


def _stored_keys(p: Prepared) -> Iterator[tuple[Any, ...]]:
    """The stored side of each rule (as :func:`~asilo.linkage.engine._blocking_hashes_sql`):
    the rule, its key values, the birth year (a rule on close years) and whether the record
    lacks the rule's "missing on one side" column."""
    for i, rule in enumerate(model.BLOCKING_RULES):
        if rule.years_apart is not None and p.dob_year is None:
            continue
        for values in _rule_values(rule, p):
            key: tuple[Any, ...] = (i, *values)
            if rule.years_apart is not None:
                key = (*key, p.dob_year)
            if rule.missing_on_one_side:
                key = (*key, getattr(p, rule.missing_on_one_side) is None)
            yield key


def _query_keys(p: Prepared) -> Iterator[tuple[Any, ...]]:
    """The new record's side (as :func:`~asilo.linkage.engine._query_hashes_sql`): each birth
    year within reach; a record with the column meets only stored records without it."""
    for i, rule in enumerate(model.BLOCKING_RULES):
        if rule.years_apart is not None and p.dob_year is None:
            continue
        years: list[int | None] = [None]
        if rule.years_apart is not None:
            assert p.dob_year is not None
            w = int(rule.years_apart)
            years = [p.dob_year + d for d in range(-w, w + 1)]
        lacking: list[bool | None] = [None]
        if rule.missing_on_one_side:
            lacks = getattr(p, rule.missing_on_one_side) is None
            lacking = [True, False] if lacks else [True]
        for values in _rule_values(rule, p):
            for year in years:
                for lack in lacking:
                    key: tuple[Any, ...] = (i, *values)
                    if year is not None:
                        key = (*key, year)
                    if lack is not None:
                        key = (*key, lack)
                    yield key


# --- scoring ------------------------------------------------------------------------------


def _eq(a: Any, b: Any) -> bool:
    """SQL ``a = b`` where NULL is not true."""
    return a is not None and b is not None and a == b


def _jw(a: str | None, b: str | None, at_least: float) -> bool:
    return a is not None and b is not None and JaroWinkler.similarity(a, b) >= at_least


def _given(l: Prepared, r: Prepared) -> int:  # noqa: E741
    if l.given_norm is None or r.given_norm is None:
        return -1
    if l.given_norm == r.given_norm:
        return 5
    if _eq(l.given_first, r.given_first) and (l.given_words == 1 or r.given_words == 1):
        return 4
    if _jw(l.given_norm, r.given_norm, 0.92):
        return 3
    if _eq(l.given_first, r.given_first):
        return 2
    if _jw(l.given_norm, r.given_norm, 0.8):
        return 1
    return 0


def _surnames(l: Prepared, r: Prepared) -> int:  # noqa: E741
    if l.first_surname is None or r.first_surname is None:
        return -1
    same_first = l.first_surname == r.first_surname
    if same_first and _eq(l.second_surname, r.second_surname):
        return 8
    if same_first and (l.second_surname is None or r.second_surname is None):
        return 7
    if _eq(l.first_surname, r.second_surname) and _eq(l.second_surname, r.first_surname):
        return 6
    if same_first and _jw(l.second_surname, r.second_surname, 0.88):
        return 5
    if same_first:
        return 4
    if _eq(l.first_surname, r.second_surname) or _eq(l.second_surname, r.first_surname):
        return 3
    close = _jw(l.first_surname, r.first_surname, 0.88)
    if close and (
        _eq(l.second_surname, r.second_surname)
        or l.second_surname is None
        or r.second_surname is None
    ):
        return 2
    if close:
        return 1
    return 0


def _date_of_birth(l: Prepared, r: Prepared) -> int:  # noqa: E741
    if l.dob_year is None or r.dob_year is None:
        return -1
    if _eq(l.dob_full, r.dob_full):
        return 6
    same_year = l.dob_year == r.dob_year
    if same_year and _eq(l.dob_month, r.dob_day) and _eq(l.dob_day, r.dob_month):
        return 5
    if same_year and _eq(l.dob_month, r.dob_month):
        return 4
    one_year_only = l.dob_full is None or r.dob_full is None
    if same_year and one_year_only:
        return 3
    if (
        l.dob_full is not None
        and r.dob_full is not None
        and Levenshtein.distance(l.dob_full, r.dob_full) <= 1
    ):
        return 2
    if (
        l.dob_days is not None and r.dob_days is not None and abs(l.dob_days - r.dob_days) <= 366
    ) or (one_year_only and abs(l.dob_year - r.dob_year) <= 1):
        return 1
    return 0


def _exact(column: str) -> Callable[[Prepared, Prepared], int]:
    def level(l: Prepared, r: Prepared) -> int:  # noqa: E741
        a, b = getattr(l, column), getattr(r, column)
        if a is None or b is None:
            return -1
        return 1 if a == b else 0

    return level


#: Each comparison of :func:`~asilo.linkage.model.comparisons`, by output column: its levels'
#: labels in order (null level first, as ``None``) and the function choosing a level's
#: comparison vector value (the null level -1, then counting down to 0).
_COMPARISONS: dict[str, tuple[tuple[str | None, ...], Callable[[Prepared, Prepared], int]]] = {
    "given_names": (
        (
            None,
            "exact",
            "one name of a compound name",
            "jw >= 0.92",
            "same first given name",
            "jw >= 0.8",
            "different",
        ),
        _given,
    ),
    "surnames": (
        (
            None,
            "both surnames",
            "first surname, second missing on one side",
            "surnames swapped",
            "second surname jw >= 0.88",
            "first surname only",
            "one surname in the other place",
            "first surname jw >= 0.88, second agrees",
            "first surname jw >= 0.88",
            "different",
        ),
        _surnames,
    ),
    "date_of_birth": (
        (
            None,
            "exact",
            "day and month swapped",
            "same year and month, another day",
            "same year, only the year known on one side",
            "one digit differs",
            "within a year",
            "different",
        ),
        _date_of_birth,
    ),
    "a_number": ((None, "exact", "different"), _exact("a_number")),
    "document_number": ((None, "exact", "different"), _exact("document_number")),
    "sex": ((None, "exact", "different"), _exact("sex")),
    "nationality": ((None, "exact", "different"), _exact("nationality")),
}


_Levels = list[tuple[Callable[[Prepared, Prepared], int], dict[int, float]]]


def _weights(settings: dict[str, Any]) -> tuple[float, _Levels]:
    """The prior's match weight and, per comparison in Splink's order, its level function and
    each level's weight, from Splink's settings object (the numbers its SQL is written
    with). Raises ``ValueError`` when the model's comparisons are not the ones this module
    implements (the model changed: the look-up must change with it)."""
    from splink import SettingsCreator
    from splink.internals.misc import prob_to_match_weight

    built = SettingsCreator.from_path_or_dict(settings).get_settings("duckdb")
    prior = float(prob_to_match_weight(float(built._probability_two_random_records_match)))
    out: _Levels = []
    for comparison in built.comparisons:
        name = comparison.output_column_name
        if name not in _COMPARISONS:
            raise ValueError(f"the look-up does not implement the comparison {name!r}")
        labels, level = _COMPARISONS[name]
        found = tuple(
            None if lv.is_null_level else lv.label_for_charts for lv in comparison.comparison_levels
        )
        if found != labels:
            raise ValueError(f"the comparison {name!r} has levels {found}, not {labels}")
        weights: dict[int, float] = {}
        for lv in comparison.comparison_levels:
            value = int(lv.comparison_vector_value)
            weights[value] = 0.0 if lv.is_null_level else float(lv._log2_bayes_factor)
        expected = list(range(len(labels) - 2, -2, -1))
        if sorted(weights, reverse=True) != expected:
            raise ValueError(f"the comparison {name!r} has unexpected level values")
        out.append((level, weights))
    return prior, out


def _probability(weight: float) -> float:
    """Splink's match probability of a match weight (its two forms, for stability)."""
    if weight >= 0:
        return 1.0 / (1.0 + math.pow(2.0, -weight))
    return math.pow(2.0, weight) / (1.0 + math.pow(2.0, weight))


class IndexedMatcher:
    """Stored records prepared once and indexed by blocking key; :meth:`find` scores a new
    record against the stored records the blocking rules pair it with, as
    :class:`~asilo.linkage.engine.Matcher` does (best first, ties by record id).

    ``prior_records``: scale the prior as if the stored records were drawn from at least this
    many (as the DuckDB matcher, fixed when built)."""

    def __init__(
        self,
        records: Iterable[Mapping[str, str]] = (),
        *,
        model_path: Path | None = None,
        prior_records: int | None = None,
    ) -> None:
        self._stored: dict[str, Prepared] = {}
        self._index: dict[tuple[Any, ...], list[str]] = {}
        for record in records:
            self.add(record)
        settings = model.settings_dict(
            "duckdb",
            model.load_parameters(model_path),
            max(len(self._stored) + 1, 2, prior_records or 0),
        )
        self._prior, self._comparisons = _weights(settings)

    def __len__(self) -> int:
        return len(self._stored)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._stored

    def add(self, record: Mapping[str, str]) -> None:
        """Store one record (its id must be new)."""
        prepared = prepare(record)
        if prepared.unique_id in self._stored:
            raise ValueError(f"record {prepared.unique_id!r} is already stored")
        self._stored[prepared.unique_id] = prepared
        for key in set(_stored_keys(prepared)):
            self._index.setdefault(key, []).append(prepared.unique_id)

    def candidates(self, record: Mapping[str, str]) -> list[str]:
        """The stored records the blocking rules pair ``record`` with (ids, sorted)."""
        return sorted(self._candidates(prepare(record)))

    def _candidates(self, new: Prepared) -> set[str]:
        found: set[str] = set()
        for key in _query_keys(new):
            stored = self._index.get(key)
            if stored:
                found.update(stored)
        return found

    def score(self, left: Prepared, right: Prepared) -> float:
        """The match probability of two prepared records."""
        weight = self._prior
        for level, weights in self._comparisons:
            weight = weight + weights[level(left, right)]
        return _probability(weight)

    def find(
        self, record: Mapping[str, str], threshold: float = model.REVIEW_THRESHOLD
    ) -> list[Match]:
        """Stored records matching ``record`` at or above ``threshold``, best first."""
        new = prepare(record)
        scored = []
        for rid in self._candidates(new):
            p = self.score(self._stored[rid], new)
            if p >= threshold:
                scored.append(Match(rid, p))
        scored.sort(key=lambda m: (-m.match_probability, m.record_id))
        return scored
