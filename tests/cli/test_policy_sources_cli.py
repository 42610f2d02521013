"""``asilo policies --sources`` (issue 8): how many gating values rest on each kind of source."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from asilo.cli.registry import only
from asilo.policy import load_catalogue

ASILO = Path(sys.executable).with_name("asilo")
RANK = {"primary": 0, "secondary": 1, "weak": 2}

app = only("", "eligibility")
runner = CliRunner()


def _expected() -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Counted here from the catalogue, independently of the command."""
    counts = {"primary": 0, "secondary": 0, "weak": 0}
    weak: list[tuple[str, str]] = []
    catalogue = load_catalogue()
    for name in sorted(catalogue.documents):
        for period in catalogue.documents[name].values:
            best = min((c.kind for c in period.citations), key=RANK.__getitem__)
            counts[best] += 1
            if best == "weak":
                weak.append((name, period.start.isoformat()))
    return counts, weak


def test_sources_as_json_counts_values_by_kind_and_lists_the_weak_ones() -> None:
    result = runner.invoke(app, ["policies", "--sources", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    counts, weak = _expected()
    assert report["by_kind"] == counts
    assert report["gating_values"] == sum(counts.values())
    assert report["catalogue_version"] == load_catalogue().version
    assert [(v["policy"], v["from"]) for v in report["weak_only"]] == weak
    for value in report["weak_only"]:
        assert value["rests_on"] == "weak"
        assert value["citations"] and all(c["kind"] == "weak" for c in value["citations"])
    rows = {row["policy"]: row for row in report["policies"]}
    assert sum(row["values"] for row in rows.values()) == report["gating_values"]
    # Every Title 42 value rests on a primary source except the 2026 Ebola order, known only
    # from copies of press reports (T42-42, issue 8).
    assert rows["title42/order"]["primary"] == rows["title42/order"]["values"] - 1
    assert rows["title42/order"]["weak"] == 1
    assert report["citations_by_kind"]["primary"] >= report["by_kind"]["primary"]


def test_sources_as_text_names_each_kind_and_each_weak_value() -> None:
    result = runner.invoke(app, ["policies", "--sources"])
    assert result.exit_code == 0, result.output
    counts, weak = _expected()
    for kind, number in counts.items():
        assert f"  {kind:<10}{number:>5}" in result.stdout
    assert f"  {'total':<10}{sum(counts.values()):>5}" in result.stdout
    assert f"Values resting only on weak sources ({len(weak)}):" in result.stdout
    for name, start in weak:
        assert f"- {name} [" in result.stdout and start in result.stdout


def test_sources_with_another_question_exits_2() -> None:
    result = runner.invoke(app, ["policies", "--sources", "--on", "2022-02-01"])
    assert result.exit_code == 2
    assert "exactly one of --on DATE, --between A B or --sources" in result.stderr
    assert result.stdout == ""


def test_sources_with_a_bad_format_exits_2() -> None:
    result = runner.invoke(app, ["policies", "--sources", "--format", "yaml"])
    assert result.exit_code == 2 and "--format" in result.stderr


def test_the_installed_command_reports_sources() -> None:
    done = subprocess.run(
        [str(ASILO), "policies", "--sources", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["by_kind"] == _expected()[0]
