"""A throwaway PostgreSQL cluster for the tests and benchmarks.

``python tests/pg_cluster.py -- <command> [args...]`` creates a cluster in a temporary
directory (``initdb``), starts it on a free loopback port with its unix socket in that
directory, creates the ``asilo`` database, runs the command with
``DATABASE_URL=postgres://asilo@127.0.0.1:<port>/asilo`` in its environment, then stops
the server and removes the directory. The command's exit status is this script's.

PostgreSQL refuses to run as root: when we are root, the server runs as the ``postgres``
system user (created with ``useradd`` when missing) through ``runuser``, and the temporary
directory belongs to it. Nothing is downloaded: the server binaries come from the OS
package (``scripts/ensure-system-deps.sh``).

As a library: ``with pg_cluster() as url: ...`` (used by ``benchmarks/api_load.py``).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

DB_NAME = "asilo"
DB_USER = "asilo"
SERVER_USER = "postgres"


class ClusterError(RuntimeError):
    """The throwaway cluster could not be created or started."""


def find_bindir() -> Path:
    """The directory of the PostgreSQL server binaries (newest installed major version)."""
    explicit = os.environ.get("ASILO_PG_BINDIR")
    if explicit:
        return Path(explicit)
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if candidates:
        return Path(candidates[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise ClusterError(
        "PostgreSQL server binaries not found (initdb); run scripts/ensure-system-deps.sh"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ensure_server_user() -> str:
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                SERVER_USER,
            ],
            check=True,
        )
    return SERVER_USER


def _as_server(argv: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", SERVER_USER, "--", *argv]
    return argv


def _run(argv: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(argv, capture_output=True, text=True, **kwargs)  # type: ignore[call-overload]
    if result.returncode != 0:
        raise ClusterError(f"{' '.join(argv[:6])} failed: {result.stderr.strip()[-2000:]}")
    return result


def _check_dev_null() -> None:
    """initdb's shell steps write to /dev/null; a container can lose the device."""
    if not stat.S_ISCHR(os.stat("/dev/null").st_mode):
        raise ClusterError(
            "/dev/null is not a character device, so initdb cannot run; "
            "restore it (as root): mknod -m 666 /dev/null.new c 1 3 && mv /dev/null.new /dev/null"
        )


@contextlib.contextmanager
def _stopped_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM (``timeout``, CI cancelling a step) into ``SystemExit`` while a cluster runs,
    so the ``finally`` below stops the server instead of leaving it orphaned. Only the main
    thread may set handlers, and a handler someone else installed is left alone."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous is not signal.SIG_DFL:
        yield
        return

    def _exit(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _exit)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def pg_cluster(*, fsync: bool = False, max_connections: int = 200) -> Iterator[str]:
    """Start a throwaway cluster; yield its ``DATABASE_URL``; stop and remove it afterwards."""
    bindir = find_bindir()
    _check_dev_null()
    tmp = Path(tempfile.mkdtemp(prefix="asilo-pg-"))
    data = tmp / "data"
    if os.geteuid() == 0:
        user = pwd.getpwnam(_ensure_server_user())
        os.chown(tmp, user.pw_uid, user.pw_gid)
    os.chmod(tmp, 0o755)
    port = free_port()
    with _stopped_on_sigterm():
        yield from _cluster(bindir, tmp, data, port, fsync=fsync, max_connections=max_connections)


def _cluster(
    bindir: Path, tmp: Path, data: Path, port: int, *, fsync: bool, max_connections: int
) -> Iterator[str]:
    started = False
    try:
        _run(
            _as_server(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    DB_USER,
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ]
            )
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={tmp} "
            f"-c max_connections={max_connections} -c fsync={'on' if fsync else 'off'} "
            "-c synchronous_commit=off -c full_page_writes=off -c shared_buffers=256MB"
        )
        _run(
            _as_server(
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-o",
                    options,
                    "-l",
                    str(tmp / "server.log"),
                    "-w",
                    "-t",
                    "60",
                    "start",
                ]
            )
        )
        started = True
        _run(
            _as_server(
                [str(bindir / "createdb"), "-h", str(tmp), "-p", str(port), "-U", DB_USER, DB_NAME]
            )
        )
        yield f"postgres://{DB_USER}@127.0.0.1:{port}/{DB_NAME}"
    finally:
        if started:
            subprocess.run(
                _as_server(
                    [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
                ),
                capture_output=True,
            )
            time.sleep(0.2)
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1 :]
    if not argv:
        print("usage: python tests/pg_cluster.py -- <command> [args...]", file=sys.stderr)
        return 2
    try:
        with pg_cluster() as url:
            print(f"pg_cluster: throwaway PostgreSQL at {url}", file=sys.stderr, flush=True)
            env = dict(os.environ, DATABASE_URL=url)
            return subprocess.run(argv, env=env).returncode
    except ClusterError as exc:
        print(f"pg_cluster: {exc}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
