"""The fake SMS gateway and the SMTP sink as real processes, for the notification tests
(importable by name). Each starts on a free port and is stopped (by its process id) at the end.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _started(args: list[str]) -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(
        [sys.executable, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("listening "):
        process.kill()
        raise AssertionError(f"{args[0]} did not start: {line!r} {process.stderr.read()}")  # type: ignore[union-attr]
    return process, int(line.split()[1])


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=10)


@dataclass
class Gateway:
    url: str
    token: str
    process: subprocess.Popen[str]

    def messages(self) -> list[dict[str, str]]:
        base = self.url.rsplit("/v1/", 1)[0]
        with urllib.request.urlopen(f"{base}/messages", timeout=5) as answer:
            return list(json.loads(answer.read()))

    def stop(self) -> None:
        _stop(self.process)


@contextmanager
def sms_gateway(
    *, token: str = "gateway-test-token", refuse: tuple[str, ...] = ()
) -> Iterator[Gateway]:
    args = [str(HERE / "fake_sms_gateway.py"), "--port", "0", "--token", token]
    for number in refuse:
        args += ["--refuse", number]
    process, port = _started(args)
    try:
        yield Gateway(f"http://127.0.0.1:{port}/v1/messages", token, process)
    finally:
        _stop(process)


@dataclass
class SmtpSink:
    port: int
    record: Path

    def messages(self) -> list[dict[str, Any]]:
        text = self.record.read_text(encoding="utf-8")
        return [json.loads(line) for line in text.splitlines() if line]


@contextmanager
def smtp_sink(record: Path, *, refuse: tuple[str, ...] = ()) -> Iterator[SmtpSink]:
    for _ in range(3):  # the port is chosen before the process binds it: retry on a clash
        port = free_port()
        args = [str(HERE / "smtp_sink.py"), "--port", str(port), "--record", str(record)]
        for address in refuse:
            args += ["--refuse", address]
        try:
            process, port = _started(args)
        except AssertionError:
            time.sleep(0.2)
            continue
        try:
            yield SmtpSink(port, record)
        finally:
            _stop(process)
        return
    raise AssertionError("the SMTP sink did not start")
