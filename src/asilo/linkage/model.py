"""The identity model: how records are prepared, compared and blocked, and its parameters.

The comparisons and blocking rules are built with Splink 5's creators
(``splink.comparison_library`` / ``splink.comparison_level_library`` / ``block_on``), so the
same model renders in DuckDB's and Spark's SQL. The *trained parameters* (the prior and each
level's m and u probabilities) live in a small versioned JSON file of asilo's own format
(:data:`DEFAULT_MODEL`), keyed by comparison and level label, so a model trained on one
backend loads on the other.

Prepared columns (from ``R.csv``, see :func:`prepare_sql`):

* ``given_norm``: given names without accents, case, punctuation or hyphens, with the first
  name's common abbreviations expanded ("Ma. José" -> "maria jose"); ``given_first`` its
  first word and ``given_words`` how many words it has;
* ``first_surname``, ``second_surname``: normalised the same way; ``surnames_key`` the two
  surnames in alphabetical order (equal when the surnames are swapped);
  ``first_surname_consonants`` the first surname without its vowels (equal across a typo in
  a vowel or a lost accent);
* blocking keys: ``given_initial``, ``given_prefix`` (first letter, first three letters of the
  first given name); ``first_surname_initial``, ``second_surname_initial``;
  ``surname_initials``, ``surname_prefixes`` (lists: the first letter, the first three
  letters of each surname);
* ``dob_full`` (``YYYY-MM-DD`` or null when only the year is known), ``dob_year``,
  ``dob_month``, ``dob_day``, ``dob_days`` (days since 1900-01-01);
* ``sex``, ``nationality``; ``a_number`` (9 digits); ``document_number`` (capitals, digits);
* ``rn``: the record's line number in the input (an integer id for joins).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule

from asilo import outputfiles

MODEL_FORMAT = "asilo-identity-model"
MODEL_VERSION = 1
DEFAULT_MODEL = Path(__file__).with_name("models") / "identity-model-v1.json"

#: Pairs at or above this match probability are the same identity.
SAME_IDENTITY_THRESHOLD = 0.99
#: Pairs at or above this (and below the first) go to human review.
REVIEW_THRESHOLD = 0.5

#: m of "different A-numbers" (fixed): an A-number is assigned once per person, so a
#: mismatch outweighs an exact name and date of birth (which it must, in a large population).
A_NUMBER_MISMATCH_M = 1e-9

#: First given names written abbreviated on forms, and what they stand for.
GIVEN_ABBREVIATIONS: dict[str, str] = {
    "ma": "maria",
    "fco": "francisco",
    "gpe": "guadalupe",
    "lupe": "guadalupe",
    "jse": "jose",
}

#: The prepared columns the comparisons read as they are: the date of birth's parts, sex,
#: nationality and the two identifiers.
_COMPARED_AS_PREPARED: tuple[str, ...] = (
    "dob_full",
    "dob_year",
    "dob_month",
    "dob_day",
    "dob_days",
    "sex",
    "nationality",
    "a_number",
    "document_number",
)

PREPARED_COLUMNS: tuple[str, ...] = (
    "unique_id",
    "given_norm",
    "given_first",
    "given_words",
    "first_surname",
    "second_surname",
    "surnames_key",
    "first_surname_consonants",
    "given_initial",
    "first_surname_initial",
    "second_surname_initial",
    "given_prefix",
    "first_surname_prefix",
    "surname_initials",
    "surname_prefixes",
    *_COMPARED_AS_PREPARED,
    "rn",
)


def _norm(column: str) -> str:
    """DuckDB SQL: lower case, no accents, letters and single spaces only, NULL when empty."""
    return (
        "nullif(trim(regexp_replace(lower(strip_accents(replace(replace("
        f"coalesce({column}, ''), 'ª', 'a'), 'º', 'o'))), '[^a-z]+', ' ', 'g')), '')"
    )


def prepare_sql(source: str) -> str:
    """DuckDB SQL selecting the prepared columns from a table of ``R.csv`` columns."""
    cases = " ".join(f"when '{k}' then '{v}'" for k, v in GIVEN_ABBREVIATIONS.items())
    return f"""
    with n as (
        select
            record_id,
            rn,
            {_norm("given_names")} as g,
            {_norm("first_surname")} as fs,
            {_norm("second_surname")} as ss,
            nullif(trim(date_of_birth), '') as dob,
            nullif(upper(trim(sex)), '') as sex,
            nullif(upper(trim(nationality)), '') as nationality,
            nullif(regexp_replace(coalesce(a_number, ''), '[^0-9]', '', 'g'), '') as a_digits,
            nullif(regexp_replace(upper(coalesce(document_number, '')), '[^A-Z0-9]', '', 'g'), '')
                as document_number
        from {source}
    ), g as (
        select *,
            split_part(g, ' ', 1) as g_head
        from n
    ), e as (
        select *,
            case g_head {cases} else g_head end as g_first
        from g
    )
    select
        record_id as unique_id,
        case when g is null then null else g_first || substr(g, length(g_head) + 1) end
            as given_norm,
        nullif(g_first, '') as given_first,
        case when g is null then null else length(g) - length(replace(g, ' ', '')) + 1 end
            as given_words,
        fs as first_surname,
        ss as second_surname,
        case when fs is null then null
             when ss is null then fs
             else least(fs, ss) || '|' || greatest(fs, ss) end as surnames_key,
        nullif(regexp_replace(fs, '[aeiou ]', '', 'g'), '') as first_surname_consonants,
        substr(g_first, 1, 1) as given_initial,
        substr(fs, 1, 1) as first_surname_initial,
        substr(ss, 1, 1) as second_surname_initial,
        substr(g_first, 1, 3) as given_prefix,
        substr(fs, 1, 3) as first_surname_prefix,
        case when fs is null then null
             when ss is null or substr(fs, 1, 1) = substr(ss, 1, 1) then [substr(fs, 1, 1)]
             else [substr(fs, 1, 1), substr(ss, 1, 1)]
        end as surname_initials,
        case when fs is null then null
             when ss is null or substr(fs, 1, 3) = substr(ss, 1, 3) then [substr(fs, 1, 3)]
             else [substr(fs, 1, 3), substr(ss, 1, 3)]
        end as surname_prefixes,
        case when length(dob) = 10 then dob end as dob_full,
        try_cast(substr(dob, 1, 4) as integer) as dob_year,
        case when length(dob) = 10 then cast(substr(dob, 6, 2) as integer) end as dob_month,
        case when length(dob) = 10 then cast(substr(dob, 9, 2) as integer) end as dob_day,
        case when length(dob) = 10
             then cast(date_diff('day', date '1900-01-01', cast(dob as date)) as integer)
        end as dob_days,
        sex,
        nationality,
        case when a_digits is null then null else lpad(a_digits, 9, '0') end as a_number,
        document_number,
        rn
    from e
    """


#: The prepared columns the comparisons read.
COMPARED_COLUMNS: tuple[str, ...] = (
    "given_norm",
    "given_first",
    "given_words",
    "first_surname",
    "second_surname",
    *_COMPARED_AS_PREPARED,
)


#: The columns compared only as equal or not (when known on both sides).
_COMPARED_EXACTLY = ("document_number", "sex", "nationality")


def _comparison(name: str, unknown: str, *levels: Any, **different: Any) -> cl.CustomComparison:
    """A comparison's levels, strongest agreement first: ``unknown`` empty on a side, then
    ``levels``, then different (``different`` configures that last level further)."""
    return cl.CustomComparison(
        output_column_name=name,
        comparison_levels=[
            cll.NullLevel(unknown),
            *levels,
            cll.ElseLevel().configure(label_for_charts="different", **different),
        ],
    )


def _same(column: str) -> Any:
    """The level "exactly the same ``column``"."""
    return cll.ExactMatchLevel(column).configure(label_for_charts="exact")


def _agrees_or_not(column: str, **different: Any) -> cl.CustomComparison:
    """A comparison with three levels: unknown on a side, the same, different."""
    return _comparison(column, column, _same(column), **different)


def comparisons() -> list[Any]:
    """The comparison model for people encountered at the border (Splink creators)."""
    given = _comparison(
        "given_names",
        "given_norm",
        _same("given_norm"),
        cll.CustomLevel(
            "given_first_l = given_first_r and (given_words_l = 1 or given_words_r = 1)",
            label_for_charts="one name of a compound name",
        ),
        cll.JaroWinklerLevel("given_norm", 0.92).configure(label_for_charts="jw >= 0.92"),
        cll.CustomLevel("given_first_l = given_first_r", label_for_charts="same first given name"),
        cll.JaroWinklerLevel("given_norm", 0.8).configure(label_for_charts="jw >= 0.8"),
    )
    surnames = _comparison(
        "surnames",
        "first_surname",
        cll.CustomLevel(
            "first_surname_l = first_surname_r and second_surname_l = second_surname_r",
            label_for_charts="both surnames",
        ),
        cll.CustomLevel(
            "first_surname_l = first_surname_r "
            "and (second_surname_l is null or second_surname_r is null)",
            label_for_charts="first surname, second missing on one side",
        ),
        cll.CustomLevel(
            "first_surname_l = second_surname_r and second_surname_l = first_surname_r",
            label_for_charts="surnames swapped",
        ),
        cll.And(
            cll.ExactMatchLevel("first_surname"), cll.JaroWinklerLevel("second_surname", 0.88)
        ).configure(label_for_charts="second surname jw >= 0.88"),
        cll.CustomLevel("first_surname_l = first_surname_r", label_for_charts="first surname only"),
        cll.CustomLevel(
            "first_surname_l = second_surname_r or second_surname_l = first_surname_r",
            label_for_charts="one surname in the other place",
        ),
        cll.And(
            cll.JaroWinklerLevel("first_surname", 0.88),
            cll.Or(
                cll.ExactMatchLevel("second_surname"),
                cll.NullLevel("second_surname"),
            ),
        ).configure(label_for_charts="first surname jw >= 0.88, second agrees"),
        cll.JaroWinklerLevel("first_surname", 0.88).configure(
            label_for_charts="first surname jw >= 0.88"
        ),
    )
    dob = _comparison(
        "date_of_birth",
        "dob_year",
        _same("dob_full"),
        cll.CustomLevel(
            "dob_year_l = dob_year_r and dob_month_l = dob_day_r and dob_day_l = dob_month_r",
            label_for_charts="day and month swapped",
        ),
        cll.CustomLevel(
            "dob_year_l = dob_year_r and dob_month_l = dob_month_r",
            label_for_charts="same year and month, another day",
        ),
        cll.CustomLevel(
            "dob_year_l = dob_year_r and (dob_full_l is null or dob_full_r is null)",
            label_for_charts="same year, only the year known on one side",
        ),
        cll.LevenshteinLevel("dob_full", 1).configure(label_for_charts="one digit differs"),
        cll.CustomLevel(
            "abs(dob_days_l - dob_days_r) <= 366 "
            "or ((dob_full_l is null or dob_full_r is null) "
            "and abs(dob_year_l - dob_year_r) <= 1)",
            label_for_charts="within a year",
        ),
    )
    # One person, one A-number: two different A-numbers are strong evidence of two people (m
    # fixed, not learnt, at A_NUMBER_MISMATCH_M: about -30 bits).
    a_number = _agrees_or_not("a_number", m_probability=A_NUMBER_MISMATCH_M, fix_m_probability=True)
    return [given, surnames, dob, a_number, *map(_agrees_or_not, _COMPARED_EXACTLY)]


@dataclass(frozen=True)
class BlockingRule:
    """Pairs whose ``keys`` are all equal (a list key: share an element) are scored, when
    also ``missing_on_one_side`` (a column) is empty on at least one side and the birth
    years are at most ``years_apart`` apart (each when given)."""

    keys: tuple[str, ...]
    missing_on_one_side: str | None = None
    years_apart: int | None = None

    def sql(self) -> str:
        """The rule as one SQL condition over ``l.`` and ``r.`` (list keys excepted: Splink
        explodes those)."""
        parts = [f"l.{k} = r.{k}" for k in self.keys]
        if self.missing_on_one_side:
            m = self.missing_on_one_side
            parts.append(f"(l.{m} is null or r.{m} is null)")
        if self.years_apart is not None:
            parts.append(f"abs(l.dob_year - r.dob_year) <= {self.years_apart}")
        return " and ".join(parts)


#: Blocking rules for predictions. Together they find more than 99.5 % of true pairs on the
#: synthetic population while keeping comparisons near linear: the rules on names alone
#: apply only where the date of birth cannot block (missing or year only on one side) or
#: with birth years within one, so that they do not compare every José García with every
#: other. Chosen by greedy set cover over candidate rules (true pairs found per comparison
#: made) on a population the benchmark does not use (seed 41).
BLOCKING_RULES: tuple[BlockingRule, ...] = (
    BlockingRule(("a_number",)),
    BlockingRule(("document_number",)),
    BlockingRule(("dob_full", "given_initial", "surname_initials")),
    BlockingRule(("given_prefix", "dob_year", "surname_prefixes")),
    BlockingRule(("given_initial", "surnames_key"), years_apart=1),
    BlockingRule(("given_norm", "second_surname"), years_apart=1),
    BlockingRule(
        ("given_norm", "first_surname"), missing_on_one_side="second_surname", years_apart=1
    ),
    BlockingRule(
        ("given_initial", "first_surname", "second_surname"), missing_on_one_side="dob_full"
    ),
    BlockingRule(("given_norm", "first_surname_consonants"), missing_on_one_side="dob_full"),
    BlockingRule(("given_norm", "surnames_key"), missing_on_one_side="dob_full"),
    BlockingRule(
        ("given_norm", "first_surname_initial", "second_surname_initial"),
        missing_on_one_side="dob_full",
    ),
    BlockingRule(("given_norm", "dob_year"), missing_on_one_side="dob_full"),
)

#: The key columns of each rule (conditions aside): a new record's candidates among stored
#: records share at least one rule's keys (:class:`asilo.linkage.engine.Matcher`).
BLOCKING_KEYS: tuple[tuple[str, ...], ...] = tuple(rule.keys for rule in BLOCKING_RULES)

#: Blocking keys that are lists (any shared element blocks the pair; Splink explodes them).
ARRAY_KEYS: frozenset[str] = frozenset({"surname_prefixes", "surname_initials"})

#: EM passes (blocking rules for training m): each comparison is trained in at least one.
TRAINING_KEYS: tuple[tuple[str, ...], ...] = (
    ("a_number",),
    ("given_first", "dob_full"),
    ("given_norm", "first_surname", "second_surname"),
)


def blocking_rules() -> list[Any]:
    """:data:`BLOCKING_RULES` as Splink blocking rules (for Splink's own blocking: Spark)."""
    rules: list[Any] = []
    for rule in BLOCKING_RULES:
        arrays = [k for k in rule.keys if k in ARRAY_KEYS]
        if arrays:
            if rule.missing_on_one_side or rule.years_apart is not None:
                raise ValueError("a blocking rule on a list key cannot have a condition")
            rules.append(block_on(*rule.keys, arrays_to_explode=arrays))
        else:
            rules.append(CustomRule(rule.sql()))
    return rules


def settings_creator() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=blocking_rules(),
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
        probability_two_random_records_match=1e-6,
    )


@dataclass(frozen=True)
class ModelParameters:
    """A trained identity model: prior and m/u per comparison level label."""

    probability_two_random_records_match: float
    levels: dict[str, dict[str, tuple[float | None, float | None]]]
    trained_on: dict[str, Any]
    #: Expected true matches of one record (prior x (records - 1) on the training set): the
    #: prior of a dedupe job scales as 1 / records, so linking N records uses
    #: ``matches_per_record / (N - 1)``.
    matches_per_record: float | None = None

    def prior_for(self, records: int | None) -> float:
        if records is None or records < 2 or self.matches_per_record is None:
            return self.probability_two_random_records_match
        return min(0.5, self.matches_per_record / (records - 1))

    def to_json(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "version": MODEL_VERSION,
            "trained_on": self.trained_on,
            "probability_two_random_records_match": self.probability_two_random_records_match,
            "matches_per_record": self.matches_per_record,
            "comparisons": {
                name: {label: {"m": m, "u": u} for label, (m, u) in levels.items()}
                for name, levels in self.levels.items()
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelParameters:
        if data.get("format") != MODEL_FORMAT:
            raise ValueError(f"not an {MODEL_FORMAT} file")
        if data.get("version") != MODEL_VERSION:
            raise ValueError(
                f"model version {data.get('version')!r}; this asilo reads version {MODEL_VERSION}"
            )
        levels = {
            name: {label: (v.get("m"), v.get("u")) for label, v in lv.items()}
            for name, lv in data["comparisons"].items()
        }
        return cls(
            probability_two_random_records_match=float(
                data["probability_two_random_records_match"]
            ),
            levels=levels,
            trained_on=dict(data.get("trained_on", {})),
            matches_per_record=(
                None
                if data.get("matches_per_record") is None
                else float(data["matches_per_record"])
            ),
        )

    def save(self, path: Path) -> None:
        """Write the model to ``path``, replaced only once complete (:mod:`asilo.outputfiles`:
        an interrupted training never leaves half a model file)."""
        outputfiles.write_text(
            path, json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"
        )


def load_parameters(path: Path | None = None) -> ModelParameters:
    """Read a model file (the repository's trained model by default)."""
    target = path or DEFAULT_MODEL
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"{target}: cannot be read ({exc.strerror})") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"{target}: not JSON ({exc.msg}, line {exc.lineno})") from exc
    try:
        return ModelParameters.from_json(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"{target}: not an asilo identity model ({exc})") from exc


def settings_dict(
    dialect: str, parameters: ModelParameters | None, records: int | None = None
) -> dict[str, Any]:
    """The Splink settings for ``dialect`` with the trained parameters filled in.

    ``records``: how many records the job dedupes (scales the prior, see
    :attr:`ModelParameters.matches_per_record`).
    """
    settings = settings_creator().create_settings_dict(dialect)
    if parameters is None:
        return settings
    settings["probability_two_random_records_match"] = parameters.prior_for(records)
    for comparison in settings["comparisons"]:
        name = comparison["output_column_name"]
        trained = parameters.levels.get(name)
        if trained is None:
            raise ValueError(f"the model has no parameters for the comparison {name!r}")
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            label = level["label_for_charts"]
            if label not in trained:
                raise ValueError(f"the model has no parameters for {name!r} level {label!r}")
            m, u = trained[label]
            if m is not None:
                level["m_probability"] = m
            if u is not None:
                level["u_probability"] = u
    return settings


#: m for a level never seen among matches while training (e.g. a different sex): strong
#: evidence against, not a veto.
M_FLOOR = 0.001


def parameters_from_settings(
    settings: dict[str, Any], trained_on: dict[str, Any], records: int
) -> ModelParameters:
    """Extract asilo's parameters from a trained Splink settings dictionary.

    A level that training never observed among matches gets m = :data:`M_FLOOR`.
    """
    levels: dict[str, dict[str, tuple[float | None, float | None]]] = {}
    for comparison in settings["comparisons"]:
        name = comparison["output_column_name"]
        levels[name] = {}
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m = level.get("m_probability")
            u = level.get("u_probability")
            levels[name][level["label_for_charts"]] = (
                M_FLOOR if m is None else float(m),
                None if u is None else float(u),
            )
    prior = float(settings["probability_two_random_records_match"])
    return ModelParameters(
        probability_two_random_records_match=prior,
        levels=levels,
        trained_on=trained_on,
        matches_per_record=prior * (records - 1),
    )


#: Comparisons of one column with only "exact" and "different" levels: cheap to score in the
#: blocking query (see :func:`cheap_bound_sql`).
EXACT_ONLY_COMPARISONS: dict[str, str] = {
    "a_number": "a_number",
    "document_number": "document_number",
    "sex": "sex",
    "nationality": "nationality",
}


def _level_weight(level: dict[str, Any]) -> float | None:
    m, u = level.get("m_probability"), level.get("u_probability")
    if level.get("is_null_level"):
        return 0.0
    if m is None or u is None or m <= 0 or u <= 0:
        return None
    return math.log2(float(m) / float(u))


def cheap_bound_sql(settings: dict[str, Any], threshold: float) -> str | None:
    """SQL over ``l.`` / ``r.`` that is true for the pairs that *may* reach match probability
    ``threshold``: the prior, the actual weights of the exact-only comparisons
    (:data:`EXACT_ONLY_COMPARISONS`) and the largest weight every other comparison could give.
    A pair for which it is false scores below ``threshold`` whatever its names and dates, so
    it need not be scored at all. ``None`` when the settings lack a weight."""
    prior = float(settings["probability_two_random_records_match"])
    bound = math.log2(prior / (1 - prior)) - math.log2(threshold / (1 - threshold))
    terms = []
    for comparison in settings["comparisons"]:
        name = comparison["output_column_name"]
        weights: dict[str, float] = {}
        for level in comparison["comparison_levels"]:
            w = _level_weight(level)
            if w is None:
                return None
            weights["null" if level.get("is_null_level") else level["label_for_charts"]] = w
        column = EXACT_ONLY_COMPARISONS.get(name)
        if column is not None and set(weights) == {"null", "exact", "different"}:
            terms.append(
                f"(case when l.{column} is null or r.{column} is null then 0.0 "
                f"when l.{column} = r.{column} then {weights['exact']!r} "
                f"else {weights['different']!r} end)"
            )
        else:
            bound += max(weights.values())
    if not terms:
        return None
    # A thousandth of a bit of slack for rounding: the filter never drops a pair Splink keeps.
    return f"{bound!r} + " + " + ".join(terms) + " >= -0.001"
