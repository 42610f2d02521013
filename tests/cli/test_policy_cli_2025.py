"""Issue 8's command-line contract: a decision for every date up to tomorrow, the 2025-2026
catalogue through ``policies`` and ``refugee-ceiling``."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from asilo.cli import policy_cmds
from asilo.cli.registry import only
from asilo.policy import load_catalogue
from asilo.policy.catalogue import today_eastern

ASILO = Path(sys.executable).with_name("asilo")
SCENARIO = Path(policy_cmds.__file__).parents[1] / "policy" / "scenarios" / "mpp-as-default.yaml"
app = only("", "eligibility")
runner = CliRunner()


def _family(day: str, kind: str = "between_ports", name: str = "Rio Grande Valley") -> str:
    return json.dumps(
        {
            "date": day,
            "place": {"kind": kind, "name": name},
            "people": [
                {"age": 30, "nationality": "HND", "relationship": "parent"},
                {"age": 6, "nationality": "HND"},
            ],
        }
    )


def _decide(document: str, *extra: str) -> Any:
    return runner.invoke(app, ["decide", "-", "--format", "json", *extra], input=document)


def test_today_is_decided_by_the_last_rules_with_the_notice() -> None:
    # Done when: echo '{"date": "<today>", ...}' | asilo decide - --format json exits 0.
    today = today_eastern().isoformat()
    result = subprocess.run(
        [str(ASILO), "decide", "-", "--format", "json"],
        input=_family(today),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    decision = json.loads(result.stdout)
    assert "after_verified_coverage" in decision["flags"]
    assert decision["catalogue_verified_through"] == "2026-06-30"
    assert decision["custody_standard_hours"] == 72
    assert decision["authority"] == "title_8"
    assert decision["pathway"] == "removal_protection_screening_only"


def test_tomorrow_is_decided_but_the_day_after_is_the_future() -> None:
    tomorrow = today_eastern() + timedelta(days=1)
    assert _decide(_family(tomorrow.isoformat())).exit_code == 0
    later = (tomorrow + timedelta(days=1)).isoformat()
    result = _decide(_family(later))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"date: {later} is in the future" in result.stderr


def test_a_date_in_2031_exits_2_naming_the_date() -> None:
    result = subprocess.run(
        [str(ASILO), "decide", "-"],
        input=_family("2031-03-10"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "date: 2031-03-10" in result.stderr


def test_a_date_before_the_catalogue_exits_2_naming_the_date() -> None:
    result = _decide(_family("2018-12-31"))
    assert result.exit_code == 2
    assert "date: 2018-12-31 is before the catalogue's coverage" in result.stderr


def test_a_scenario_may_replay_the_future() -> None:
    result = _decide(_family("2031-03-10"), "--scenario", str(SCENARIO))
    assert result.exit_code == 0, result.stderr
    decision = json.loads(result.stdout)
    assert decision["scenario"] == "mpp-as-default"
    assert "after_verified_coverage" in decision["flags"]


def test_text_output_says_the_rules_are_not_verified_after_the_date() -> None:
    result = runner.invoke(app, ["decide", "-"], input=_family(today_eastern().isoformat()))
    assert result.exit_code == 0, result.stderr
    assert "NOTICE: the rules have not been verified after 2026-06-30" in result.stdout
    assert "custody standard: 72 hours" in result.stdout
    earlier = runner.invoke(app, ["decide", "-"], input=_family("2025-03-10"))
    assert "NOTICE" not in earlier.stdout
    assert "proclamation_212f" in earlier.stdout


def test_the_done_when_decisions() -> None:
    first = json.loads(_decide(_family("2025-03-10")).stdout)
    assert (first["authority"], first["pathway"]) == ("proclamation_212f", "summary_repatriation")
    second = json.loads(_decide(_family("2025-09-15")).stdout)
    assert (second["authority"], second["pathway"]) == (
        "title_8",
        "removal_protection_screening_only",
    )
    assert {"asylum_barred_212f", "withholding_cat_screening_required"} <= set(second["flags"])
    child = json.loads(
        _decide(
            json.dumps(
                {
                    "date": "2025-03-10",
                    "place": {"kind": "between_ports", "name": "El Paso"},
                    "people": [{"age": 16, "nationality": "GTM"}],
                }
            )
        ).stdout
    )
    assert (child["pathway"], child["custody_limit_hours"]) == ("orr_transfer", 72)


def test_recent_presence_errors_name_the_field() -> None:
    document = {
        "date": "2026-06-01",
        "place": {"kind": "between_ports", "name": "El Paso"},
        "people": [
            {
                "age": 30,
                "nationality": "KEN",
                "recent_presence": [
                    {"country": "ZZZ", "days_before_encounter": 3},
                    {"country": "UGA", "days_before_encounter": -2},
                ],
            }
        ],
    }
    result = _decide(json.dumps(document))
    assert result.exit_code == 2
    assert "people[0].recent_presence[0].country: 'ZZZ' is not an ISO 3166-1" in result.stderr
    assert (
        "people[0].recent_presence[1].days_before_encounter: must be at least 0, not -2"
        in result.stderr
    )


def test_refugee_ceiling_2026_answers_7500_with_its_source_and_the_suspension() -> None:
    result = runner.invoke(app, ["refugee-ceiling", "2026"])
    assert result.exit_code == 0, result.output
    assert "FY2026 refugee ceiling on 2026-09-30: 7,500" in result.stdout
    assert "source (REF-FY2026)" in result.stdout
    assert "federalregister.gov/documents/2025/10/31/2025-19752" in result.stdout
    assert "Refugee admissions are suspended since 2025-03-25" in result.stdout
    data = json.loads(runner.invoke(app, ["refugee-ceiling", "2026", "--format", "json"]).stdout)
    assert data["total"] == 7500
    assert "refugee_admissions_suspended" in data["flags"]
    assert {a["kind"] for a in data["allocations"]} == {"priority_group"}
    region = runner.invoke(app, ["refugee-ceiling", "2026", "--region", "AF"])
    assert region.exit_code == 2
    assert "allocated by priority group" in region.stderr


def test_policies_on_2026_12_02_lists_the_proclamation_the_suspension_and_cbp_one_end() -> None:
    result = runner.invoke(app, ["policies", "--on", "2026-12-02", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["after_verified_coverage"] is True
    in_force = {row["policy"]: row for row in data["policies"]}
    ended = {row["policy"]: row for row in data["ended"]}
    assert "entry/proclamation_10888" in in_force
    assert "refugees/admissions_suspension" in in_force
    assert {c["fact"] for c in in_force["refugees/admissions_suspension"]["citations"]} >= {
        "REF-EO-01"
    }
    assert ended["cbp_one/appointments"]["from"] == "2025-01-20"
    assert "C1-20" in {c["fact"] for c in ended["cbp_one/appointments"]["citations"]}
    text = runner.invoke(app, ["policies", "--on", "2026-12-02"]).stdout
    assert "NOTICE: the rules have not been verified after 2026-06-30" in text
    assert "PROC-08a" in text and "REF-EO-01" in text and "C1-20" in text


def test_policies_between_2024_12_01_and_2026_12_02_lists_the_changes() -> None:
    result = runner.invoke(
        app, ["policies", "--between", "2024-12-01", "2026-12-02", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    changes = json.loads(result.stdout)["changes"]
    seen = {(c["date"], c["policy"], c["change"]) for c in changes}
    assert ("2025-01-20", "entry/proclamation_10888", "starts") in seen
    assert ("2025-01-20", "cbp_one/appointments", "ends") in seen
    assert ("2025-01-27", "refugees/admissions_suspension", "starts") in seen
    assert ("2025-03-25", "parole/chnv", "ends") in seen
    assert ("2025-05-09", "asylum/securing_the_border", "ends") in seen
    assert ("2026-05-18", "title42/order", "starts") in seen
    assert all(c["citation"]["url"].startswith("http") for c in changes)


def test_the_manifest_names_verified_through() -> None:
    catalogue = load_catalogue()
    assert catalogue.verified_through.isoformat() == "2026-06-30"
    assert catalogue.covers[1] >= today_eastern() + timedelta(days=1)
