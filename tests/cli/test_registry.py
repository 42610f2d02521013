"""The command line has one home: every group comes from :data:`asilo.cli.registry.GROUPS`,
and every command refuses bad input through the one error exit of :mod:`asilo.cli.common`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import typer
from typer.models import DefaultPlaceholder
from typer.testing import CliRunner

from asilo.cli.registry import GROUPS, build, sub_app

SRC = Path(__file__).resolve().parents[2] / "src" / "asilo"


def test_every_contributor_is_a_nameless_sub_app() -> None:
    for name, references in GROUPS.items():
        for reference in references:
            contributor = sub_app(reference)
            # a name of its own would nest it (``asilo schedule schedule run``)
            assert isinstance(contributor.info.name, DefaultPlaceholder), (name, reference)


def test_a_group_with_two_contributors_has_both_parts_commands() -> None:
    runner = CliRunner()
    help_text = runner.invoke(build({"schedule": GROUPS["schedule"]}), ["schedule", "--help"])
    assert help_text.exit_code == 0
    for command in ("allocate", "run", "verify-run", "close-day"):
        assert command in help_text.stdout


def test_no_command_module_keeps_its_own_error_exit_or_django_setup() -> None:
    modules = [*SRC.joinpath("cli").glob("*.py"), *SRC.joinpath("web").glob("*/cli.py")]
    assert len(modules) > 8
    for module in modules:
        if module.name == "common.py":
            continue
        text = module.read_text(encoding="utf-8")
        assert not re.search(r"^def _?(fail|setup_django)\b", text, re.M), module
        assert "def register(" not in text, module


def test_bad_input_exits_2_with_one_error_line_and_no_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "asilo.cli.main", "policies"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == "error: give exactly one of --on DATE, --between A B or --sources"
    assert "Traceback" not in done.stdout + done.stderr


def test_the_light_entry_runs_the_same_command(tmp_path: Path) -> None:
    code = "import sys; from asilo.cli.entry import run; sys.argv = ['asilo', *sys.argv[1:]]; run()"
    done = subprocess.run(
        [sys.executable, "-c", code, "decide", str(tmp_path / "missing.json")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: FILE: cannot read ")
    assert isinstance(build({}), typer.Typer)
