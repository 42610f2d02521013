"""``asilo decide --batch`` shares one decision among lines with the same key (issue 13): its
output must be, byte for byte, what deciding each line on its own gives, and its errors the
line-numbered messages of the full validation."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from asilo.cli import policy_cmds
from asilo.cli.registry import only
from asilo.policy import (
    EncounterInputError,
    decide,
    load_catalogue,
    load_scenario,
    parse_encounter,
)
from asilo.policy.batch import FACTS
from asilo.policy.lines import DocumentKeys

app = only("", "eligibility")
runner = CliRunner()
CATALOGUE = load_catalogue()
SCENARIO = (
    Path(policy_cmds.__file__).parents[1] / "policy" / "scenarios" / "title42-ended-2021-01-20.yaml"
)
PLACES = [
    ("between_ports", "Rio Grande Valley"),
    ("between_ports", "El Paso"),
    ("port_of_entry", "San Ysidro"),
    ("port_of_entry", "Hidalgo"),
]
NATIONALITIES = ["MEX", "HND", "CUB", "VEN", "HTI", "USA"]


def documents(count: int, seed: int) -> list[dict[str, object]]:
    """Plain documents over 2019-2025 (ages on both sides of every threshold, roles,
    relationships, statuses, declared facts, people in several orders), a few with a time."""
    rng = random.Random(seed)
    first, days = date(2019, 2, 1), (date(2025, 9, 30) - date(2019, 2, 1)).days
    out: list[dict[str, object]] = []
    for _ in range(count):
        nationality = rng.choice(NATIONALITIES)
        people: list[dict[str, object]] = []
        for _ in range(rng.randint(1, 4)):
            age = rng.choice([0, 3, 5, 6, 7, 12, 17, 18, 19, 40, 130])
            person: dict[str, object] = {"age": age, "nationality": nationality}
            if rng.random() < 0.5:
                person["role"] = "child" if age < 18 else "adult"
            if age >= 18 and rng.random() < 0.6:
                person["relationship"] = rng.choice(["parent", "legal_guardian", "other_relative"])
            if rng.random() < 0.1:
                person["lawful_status"] = rng.choice(["none", "lawful_permanent_resident"])
            people.append(person)
        kind, name = rng.choice(PLACES)
        document: dict[str, object] = {
            "date": (first + timedelta(days=rng.randrange(days))).isoformat(),
            "place": {"kind": kind, "name": name},
            "people": people,
        }
        for fact in FACTS:
            if rng.random() < 0.15:
                document[fact] = rng.random() < 0.5
        if rng.random() < 0.05:
            document["time"] = "23:30"
        out.append(document)
    return out


def problem(line: str, *, future: bool = False) -> str | None:
    try:
        parse_encounter(json.loads(line), catalogue=CATALOGUE, future=future)
    except EncounterInputError as exc:
        return str(exc)
    return None


def one_by_one(lines: list[str], *, scenario: Path | None = None) -> str:
    chosen = None if scenario is None else load_scenario(scenario)
    answers = []
    for line in lines:
        encounter = parse_encounter(
            json.loads(line), catalogue=CATALOGUE, future=chosen is not None
        )
        decision = decide(encounter, catalogue=CATALOGUE, scenario=chosen)
        answers.append(json.dumps(decision.model_dump(mode="json"), ensure_ascii=False) + "\n")
    return "".join(answers)


@pytest.mark.parametrize("scenario", [None, SCENARIO])
def test_batch_output_is_each_line_decided_on_its_own(
    tmp_path: Path, scenario: Path | None
) -> None:
    lines = [json.dumps(d) for d in documents(500, seed=13)]
    lines = [line for line in lines if not problem(line, future=scenario is not None)]
    assert len(lines) > 250
    lines += lines[:50]  # identical lines
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["decide", "--batch", str(path)]
    if scenario is not None:
        args += ["--scenario", str(scenario)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == one_by_one(lines, scenario=scenario)


def test_keys_are_shared_and_refuse_what_needs_the_full_validation() -> None:
    keys = DocumentKeys(CATALOGUE)
    base = documents(1, seed=1)[0]
    single = {**base, "people": [{"age": 30, "nationality": "HND"}]}
    assert keys.key(single) is not None
    # another adult age and another day in the same catalogue state: the same key
    assert keys.key({**single, "people": [{"age": 45, "nationality": "HND"}]}) == keys.key(single)
    for odd in (
        {**single, "time": "10:00"},
        {**single, "date": "2019-02-30"},
        {**single, "date": (date.today() + timedelta(days=30)).isoformat()},
        {**single, "people": [{"age": 30.0, "nationality": "HND"}]},
        {**single, "people": [{"age": True, "nationality": "HND"}]},
        {**single, "people": [{"age": 131, "nationality": "HND"}]},
        {**single, "people": [{"age": 30, "nationality": "HND", "vulnerabilities": []}]},
        {**single, "people": []},
        {**single, "place": {"kind": "between_ports", "name": "El Paso", "x": 1}},
        {**single, "manifests_fear": "yes"},
        {**single, "unaccompanied": None},
        [single],
    ):
        assert keys.key(odd) is None, odd
    assert keys.key({**single, "people": [{"age": 30}]}) != keys.key(single)


def test_a_bad_line_after_a_good_line_with_the_same_key_is_still_named(tmp_path: Path) -> None:
    good = {
        "date": "2021-03-01",
        "place": {"kind": "between_ports", "name": "El Paso"},
        "people": [{"age": 30, "nationality": "HND", "role": "adult"}],
    }
    bad = {**good, "people": [{"age": 30, "nationality": "HND", "role": "child"}]}
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(json.dumps(d) for d in (good, good, bad)) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["decide", "--batch", str(path)])
    assert result.exit_code == 2 and result.stdout == ""
    assert f"{path}:3: people[0].role: 'child' but age 30 is 18 or over" in result.stderr


def test_every_bad_line_is_named_with_the_full_validation_message(tmp_path: Path) -> None:
    lines = [json.dumps(d) for d in documents(300, seed=7)]
    expected = [
        f"{tmp_path / 'many.jsonl'}:{number}: {message}"
        for number, line in enumerate(lines, 1)
        if (message := problem(line)) is not None
    ]
    assert len(expected) > 20
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["decide", "--batch", str(path)])
    assert result.exit_code == 2 and result.stdout == ""
    more = f"\n... and {len(expected) - 20} more"
    assert result.stderr == "error: " + "\n".join(expected[:20]) + more + "\n"
