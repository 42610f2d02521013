"""The ``asilo`` executable starts only the part a batch command needs."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from asilo.cli.entry import light_module


def test_light_commands_and_the_rest() -> None:
    assert light_module(["schedule", "allocate", "--seed", "1"]) == "asilo.cli.schedule_cmds"
    assert light_module(["decide", "--batch", "x.jsonl"]) == "asilo.cli.policy_cmds"
    for args in (["schedule", "run"], ["schedule"], ["--help"], [], ["stats", "import"]):
        assert light_module(args) is None, args


def loaded_after(*args: str) -> set[str]:
    code = (
        "import sys; from asilo.cli.entry import run; sys.argv = ['asilo', *sys.argv[1:]]\n"
        "try:\n    run()\nexcept SystemExit:\n    pass\n"
        "print(' '.join(sorted({m.split('.')[0] + '.' + (m.split('.') + [''])[1] "
        "for m in sys.modules})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
    )
    return set(done.stdout.split("\n")[-2].split())


def test_schedule_allocate_does_not_load_the_policy_engine_or_django() -> None:
    loaded = loaded_after("schedule", "allocate", "--help")
    assert "asilo.scheduling" in loaded
    assert "asilo.policy" not in loaded
    assert not any(m.startswith(("django", "asilo.web")) for m in loaded)


def test_help_lists_every_part() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from asilo.cli.entry import run; run()", "--help"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0
    for command in ("decide", "stats", "schedule", "serve", "registrations"):
        assert command in done.stdout


def test_sigterm_leaves_no_temporary_output_file(tmp_path: Path) -> None:
    """Defect: ``kill`` (SIGTERM) ended a command at once, without its cleanup: an output file
    being written left its temporary file (``.out.csv.1a2b3c4d.tmp``) beside the old one."""
    target = tmp_path / "out.csv"
    target.write_text("old\n", encoding="utf-8")
    code = (
        "import os, signal, sys, time\n"
        "from pathlib import Path\n"
        "from asilo.cli.entry import end_cleanly_on_sigterm\n"
        "from asilo.outputfiles import replacing\n"
        "end_cleanly_on_sigterm()\n"
        "with replacing(Path(sys.argv[1])) as temporary:\n"
        "    temporary.write_text('half a fi')\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    time.sleep(30)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(target)], timeout=60, check=False)
    assert done.returncode == 128 + signal.SIGTERM
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
