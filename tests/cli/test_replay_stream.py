"""``asilo replay`` reads its file a piece at a time and holds only the changes: its output is,
byte for byte, the report of deciding every encounter under both catalogues (the command as it
was: every line parsed, then ``ReplayReport`` printed)."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

from typer.testing import CliRunner

from asilo.cli import policy_cmds
from asilo.cli.registry import only
from asilo.policy import decide, load_catalogue, load_scenario, parse_encounter
from asilo.policy.replay import OutcomeSummary, ReplayChange, ReplayReport

SCENARIO = (
    Path(policy_cmds.__file__).parents[1] / "policy" / "scenarios" / "title42-ended-2021-01-20.yaml"
)
app = only("")
runner = CliRunner()
PLACES = [
    ("between_ports", "Rio Grande Valley"),
    ("between_ports", "El Paso"),
    ("port_of_entry", "San Ysidro"),
]


def documents(count: int, seed: int) -> list[dict[str, object]]:
    """Encounters from 2019 to 2026 (some with a time, some with declared facts), repeated."""
    rng = random.Random(seed)
    made: list[dict[str, object]] = []
    for _ in range(count):
        if made and rng.random() < 0.2:
            made.append(rng.choice(made))
            continue
        kind, name = rng.choice(PLACES)
        nationality = rng.choice(["MEX", "HND", "GTM", "HTI", "VEN"])
        people: list[dict[str, object]] = [{"age": rng.randint(18, 50), "nationality": nationality}]
        if rng.random() < 0.4:
            people[0].update(role="adult", relationship="parent")
            people.append({"age": rng.randint(0, 17), "nationality": nationality, "role": "child"})
        elif rng.random() < 0.2:
            people = [{"age": rng.randint(8, 17), "nationality": nationality}]
        day = date(2019, 1, 1) + timedelta(days=rng.randrange(2700))
        document: dict[str, object] = {"date": day.isoformat()}
        document.update(place={"kind": kind, "name": name}, people=people)
        if rng.random() < 0.1:
            document["time"] = f"{rng.randrange(24):02d}:30"
        if rng.random() < 0.1:
            document["manifests_fear"] = True
        made.append(document)
    return made


def reference(text: str) -> tuple[str, str]:
    """The text and JSON reports of the command as it was."""
    catalogue = load_catalogue()
    scenario = load_scenario(SCENARIO)
    other = scenario.apply(load_catalogue())
    lines = [line for line in text.splitlines() if line.strip()]
    changes = []
    for index, line in enumerate(lines):
        encounter = parse_encounter(json.loads(line), catalogue=catalogue, future=True)
        after = decide(encounter, catalogue=other)
        summaries = (
            OutcomeSummary.of(decide(encounter, catalogue=catalogue)),
            OutcomeSummary.of(after),
        )
        if summaries[0] != summaries[1]:
            rules = tuple(dict.fromkeys(r.rule for r in after.reasons))
            changes.append(
                ReplayChange(
                    index=index,
                    date=encounter.date.isoformat(),
                    before=summaries[0],
                    after=summaries[1],
                    rules_after=rules,
                )
            )
    report = ReplayReport(
        baseline_version=catalogue.version,
        alternative_version=other.version,
        encounters=len(lines),
        changed=len(changes),
        changes=tuple(changes),
    )
    as_json = json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"
    as_text = [
        f"{report.changed} of {report.encounters} outcomes change under scenario {scenario.name}"
        f" (catalogue {report.baseline_version})"
    ]
    for change in changes:
        before, after_ = change.before, change.after
        as_text.append(
            f"- encounter {change.index + 1} ({change.date}): {before.authority} {before.pathway}"
            f"{' -> ' + before.destination if before.destination else ''} => {after_.authority}"
            f" {after_.pathway}{' -> ' + after_.destination if after_.destination else ''}"
        )
    return "\n".join(as_text) + "\n", as_json


def replayed(path: Path, *options: str) -> str:
    result = runner.invoke(
        app, ["replay", "--encounters", str(path), "--scenario", str(SCENARIO), *options]
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_streamed_report_is_the_whole_report_byte_for_byte(tmp_path: Path) -> None:
    made = documents(400, 11)
    compact = [json.dumps(d, separators=(",", ":")) for d in made[::3]]
    text = "\ufeff" + "\r\n".join(json.dumps(d) for d in made) + "\n\n  \n" + "\n".join(compact)
    path = tmp_path / "e.jsonl"
    path.write_text(text, encoding="utf-8")
    as_text, as_json = reference(text.removeprefix("\ufeff"))
    assert replayed(path) == as_text
    assert replayed(path, "--format", "json") == as_json
    assert json.loads(as_json)["changed"] > 20  # the scenario changes many of them


def test_no_change_and_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    for text in ("", json.dumps(documents(1, 3)[0] | {"date": "2024-06-01"}) + "\n"):
        path.write_text(text, encoding="utf-8")
        as_text, as_json = reference(text)
        assert replayed(path) == as_text
        assert replayed(path, "--format", "json") == as_json


def test_bad_lines_are_named_twenty_at_most_and_nothing_is_printed(tmp_path: Path) -> None:
    good = json.dumps(documents(1, 5)[0])
    lines = [good, "{not json", good.replace('"date"', '"day"'), *["[]"] * 25, good]
    path = tmp_path / "e.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = runner.invoke(app, ["replay", "--encounters", str(path), "--scenario", str(SCENARIO)])
    assert result.exit_code == 2 and result.stdout == ""
    said = result.stderr.splitlines()
    assert said[0].startswith(f"error: {path}:2: (line): not valid JSON (")
    assert said[1].startswith(f"{path}:3: ")
    assert said[2] == f"{path}:4: (document): an encounter is a JSON object"
    assert said[20] == "... and 7 more"


def test_a_date_after_tomorrow_is_replayed_as_the_docs_say(tmp_path: Path) -> None:
    """Defect: a date after tomorrow passed the scenario's validation, then the catalogue's
    decision raised (a traceback, then a refusal that told the user to "replay it under a
    --scenario", which they were doing). docs/policy.md: under --scenario, replaying the future
    is the point. Both sides decide it by the rules last in force."""
    future = (date.today() + timedelta(days=400)).isoformat()
    path = tmp_path / "e.jsonl"
    path.write_text(json.dumps(documents(1, 5)[0] | {"date": future}) + "\n", encoding="utf-8")
    result = runner.invoke(
        app, ["replay", "--encounters", str(path), "--scenario", str(SCENARIO), "--format", "json"]
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["encounters"] == 1
