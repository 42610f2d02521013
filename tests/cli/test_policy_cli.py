"""The policy commands' contract (issue 2): decide, eligibility, policies, refugee-ceiling, replay.

Most tests drive the commands through typer's runner on an app holding only this part's
commands; one runs the installed ``asilo`` executable end to end.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from asilo.cli import policy_cmds
from asilo.cli.registry import only
from asilo.policy import load_catalogue

SCENARIO = (
    Path(policy_cmds.__file__).parents[1] / "policy" / "scenarios" / "title42-ended-2021-01-20.yaml"
)
ASILO = Path(sys.executable).with_name("asilo")

app = only("", "eligibility")
runner = CliRunner()

FAMILY = {
    "date": "2021-03-01",
    "place": {"kind": "between_ports", "name": "Rio Grande Valley"},
    "people": [
        {"age": 34, "nationality": "HND", "role": "adult", "relationship": "parent"},
        {"age": 4, "nationality": "HND", "role": "child", "relationship": None},
    ],
    "unaccompanied": False,
    "mpp_case": None,
    "cbp_one_appointment": False,
    "title42_exception_granted": False,
    "fear_of_return_to_mexico_established": False,
    "asylum_denied_in_transit_country": False,
    "manifests_fear": True,
}


def _write(tmp_path: Path, name: str, data: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_decide_json_is_the_decision_contract(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["decide", str(_write(tmp_path, "e.json", FAMILY)), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    decision = json.loads(result.stdout)
    assert decision["authority"] == "title_8"
    assert decision["pathway"] == "processing"
    assert decision["demographic"] == "family_unit"
    assert decision["catalogue_version"] == load_catalogue().version
    assert {"local_practice", "discretionary"} <= set(decision["flags"])
    assert decision["options"][0]["pathway"] == "expulsion"
    for reason in decision["reasons"]:
        assert set(reason) == {"rule", "code", "text", "text_es", "text_ht", "citation"}
        assert set(reason["citation"]) == {"title", "url", "section", "fact"}


def test_decide_reads_stdin_and_explains_in_text() -> None:
    single = {**FAMILY, "people": [{"age": 30, "nationality": "GTM"}]}
    result = runner.invoke(app, ["decide", "-"], input=json.dumps(single))
    assert result.exit_code == 0, result.output
    assert "pathway:        expulsion -> MEX" in result.stdout
    assert "[title42/mexico_acceptance]" in result.stdout
    assert "es: " in result.stdout


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"date": None}, "date"),
        ({"people": [{"age": 30, "nationality": "ZZZ"}]}, "people[0].nationality"),
        ({"people": [{"age": -2, "nationality": "HND"}]}, "people[0].age"),
        ({"place": {"kind": "between_ports", "name": "Atlantis"}}, "place.name"),
        ({"date": "2030-01-01"}, "date"),
    ],
)
def test_bad_input_names_the_field_exits_2_and_prints_no_decision(
    tmp_path: Path, change: dict[str, Any], field: str
) -> None:
    document = {**FAMILY, **change}
    if document["date"] is None:
        del document["date"]
    result = runner.invoke(
        app, ["decide", str(_write(tmp_path, "bad.json", document)), "--format", "json"]
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"{field}:" in result.stderr


def test_malformed_json_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    result = runner.invoke(app, ["decide", str(path)])
    assert result.exit_code == 2 and "not valid JSON" in result.stderr and result.stdout == ""


def test_batch_writes_one_decision_per_line(tmp_path: Path) -> None:
    lines = [FAMILY, {**FAMILY, "date": "2023-06-01"}, FAMILY]
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["decide", "--batch", str(path)])
    assert result.exit_code == 0, result.output
    decisions = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["authority"] for d in decisions] == ["title_8", "title_8", "title_8"]
    assert "lawful_pathways_presumption" in decisions[1]["flags"]
    assert decisions[0] == decisions[2]


def test_batch_with_a_bad_line_names_the_line_and_prints_nothing(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    bad = {**FAMILY, "people": [{"age": 30, "nationality": "XX"}]}
    path.write_text(json.dumps(FAMILY) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["decide", "--batch", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"{path}:2: people[0].nationality" in result.stderr


def test_decide_under_a_scenario(tmp_path: Path) -> None:
    single = {**FAMILY, "people": [{"age": 30, "nationality": "HND"}]}
    path = str(_write(tmp_path, "e.json", single))
    real = json.loads(runner.invoke(app, ["decide", path, "--format", "json"]).stdout)
    result = runner.invoke(app, ["decide", path, "--format", "json", "--scenario", str(SCENARIO)])
    changed = json.loads(result.stdout)
    assert (real["pathway"], changed["pathway"]) == ("expulsion", "processing")
    assert changed["scenario"] == "title42-ended-2021-01-20"


def test_mpp_winddown_eligibility_json(tmp_path: Path) -> None:
    document = {
        "date": "2021-06-23",
        "place": {"kind": "port_of_entry", "name": "San Ysidro"},
        "people": [{"age": 30, "nationality": "HND"}],
        "mpp_case": {"status": "removal_order_in_absentia"},
    }
    path = str(_write(tmp_path, "w.json", document))
    result = runner.invoke(app, ["eligibility", "mpp-winddown", path, "--format", "json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["eligible"] is True
    assert answer["reasons"][0]["citation"]["fact"] == "MPP-16"
    document["date"] = "2021-06-22"
    path = str(_write(tmp_path, "w2.json", document))
    answer = json.loads(
        runner.invoke(app, ["eligibility", "mpp-winddown", path, "--format", "json"]).stdout
    )
    assert answer["eligible"] is False


def test_lawful_pathways_eligibility(tmp_path: Path) -> None:
    document = {**FAMILY, "date": "2023-06-01"}
    result = runner.invoke(
        app,
        [
            "eligibility",
            "lawful-pathways",
            str(_write(tmp_path, "l.json", document)),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["presumption"] is True


def test_policies_on_a_date_lists_what_is_in_force_with_citations() -> None:
    result = runner.invoke(app, ["policies", "--on", "2022-02-01", "--format", "json"])
    assert result.exit_code == 0, result.output
    listed = {row["policy"]: row for row in json.loads(result.stdout)["policies"]}
    assert {"title42/order", "mpp/enrolment", "title42/unaccompanied_children"} <= set(listed)
    assert "aca/guatemala" not in listed and "asylum/lawful_pathways" not in listed
    assert listed["mpp/enrolment"]["value"]["programme"] == "MPP 2.0"
    assert all(row["citations"] for row in listed.values())


def test_policies_between_lists_changes() -> None:
    result = runner.invoke(app, ["policies", "--between", "2023-05-11", "2023-05-12"])
    assert result.exit_code == 0, result.output
    assert "23:59 ET title42/order ends" in result.stdout
    assert "asylum/lawful_pathways starts" in result.stdout


def test_policies_bad_date_exits_2() -> None:
    result = runner.invoke(app, ["policies", "--on", "05/11/2023"])
    assert result.exit_code == 2 and "--on" in result.stderr


def test_refugee_ceiling_by_date_and_region() -> None:
    before = runner.invoke(app, ["refugee-ceiling", "2021", "--on", "2021-05-02"])
    after = runner.invoke(
        app, ["refugee-ceiling", "FY2021", "--on", "2021-05-03", "--format", "json"]
    )
    assert before.exit_code == 0 and "15,000" in before.stdout
    assert json.loads(after.stdout)["total"] == 62500
    region = runner.invoke(app, ["refugee-ceiling", "2024", "--region", "LAC", "--format", "json"])
    allocation = json.loads(region.stdout)["region"]
    assert (allocation["minimum"], allocation["maximum"]) == (35000, 50000)


def test_refugee_ceiling_unanswerable_questions_exit_2() -> None:
    assert runner.invoke(app, ["refugee-ceiling", "2020", "--region", "AF"]).exit_code == 2
    assert runner.invoke(app, ["refugee-ceiling", "2018"]).exit_code == 2
    early = runner.invoke(app, ["refugee-ceiling", "2021", "--on", "2020-10-01"])
    assert early.exit_code == 2 and "no FY2021 determination" in early.stderr


def test_replay_reports_every_changed_outcome(tmp_path: Path) -> None:
    single = {
        **FAMILY,
        "place": {"kind": "between_ports", "name": "El Paso"},
        "people": [{"age": 30, "nationality": "HND"}],
    }
    dates = ["2020-06-01", "2021-03-01", "2023-06-01", "2022-01-10"]
    path = tmp_path / "e.jsonl"
    path.write_text("\n".join(json.dumps({**single, "date": d}) for d in dates), encoding="utf-8")
    result = runner.invoke(
        app, ["replay", "--encounters", str(path), "--scenario", str(SCENARIO), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["encounters"] == 4
    assert [c["index"] for c in report["changes"]] == [1, 3]


def test_installed_executable_decides_end_to_end(tmp_path: Path) -> None:
    if not ASILO.exists():
        pytest.skip("the asilo executable is not installed in this environment")
    path = _write(tmp_path, "e.json", FAMILY)
    done = subprocess.run(
        [str(ASILO), "decide", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["demographic"] == "family_unit"
    bad = subprocess.run(
        [str(ASILO), "decide", "-"],
        input='{"people": []}',
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and bad.stdout == "" and "date" in bad.stderr


def test_mpp_winddown_needs_no_place(tmp_path: Path) -> None:
    document = {
        "date": "2021-03-01",
        "people": [{"age": 30, "nationality": "SLV"}],
        "mpp_case": {"status": "active"},
    }
    path = str(_write(tmp_path, "w.json", document))
    result = runner.invoke(app, ["eligibility", "mpp-winddown", path, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["eligible"] is True
    decided = runner.invoke(app, ["decide", path])
    assert decided.exit_code == 2 and "place: is required" in decided.stderr
