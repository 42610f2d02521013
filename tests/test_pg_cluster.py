"""The throwaway PostgreSQL cluster stops when its process is told to stop (SIGTERM)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pg_cluster import ClusterError, find_bindir

HERE = Path(__file__).resolve().parent


def _servers() -> set[str]:
    """The data directories of the PostgreSQL servers running now."""
    found = set()
    for status in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            words = status.read_bytes().split(b"\0")
        except OSError:
            continue
        if words and words[0].endswith(b"postgres") and b"-D" in words:
            found.add(words[words.index(b"-D") + 1].decode())
    return found


def test_a_terminated_runner_stops_its_server_and_removes_its_folder() -> None:
    try:
        find_bindir()
    except ClusterError as exc:
        pytest.skip(str(exc))
    before = _servers()
    runner = subprocess.Popen(
        [sys.executable, str(HERE / "pg_cluster.py"), "--", "sleep", "120"],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert runner.stderr is not None
    line = runner.stderr.readline()  # "pg_cluster: throwaway PostgreSQL at ..." once it is up
    assert "throwaway PostgreSQL" in line, line
    started = _servers() - before
    assert len(started) == 1
    runner.send_signal(signal.SIGTERM)
    assert runner.wait(timeout=60) != 0
    deadline = time.monotonic() + 20
    while (_servers() & started) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not (_servers() & started), "the server outlived its runner"
    (data,) = started
    assert not os.path.exists(Path(data).parent), "the cluster's folder was left behind"
