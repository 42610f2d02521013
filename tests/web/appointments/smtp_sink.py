"""A local SMTP server that keeps what it receives (aiosmtpd), as its own process.

``python smtp_sink.py --port P --record messages.jsonl`` appends one JSON line per message
(``{"from", "to", "data"}``) and prints ``listening P`` once ready. ``--refuse ADDRESS``
answers 550 for that recipient (a server that does not accept the message).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import threading
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class Keep:
    def __init__(self, record: Path, refused: set[str]) -> None:
        self.record = record
        self.refused = refused

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refused:
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        line = {
            "from": envelope.mail_from,
            "to": list(envelope.rcpt_tos),
            "data": envelope.content.decode("utf-8", "replace"),
        }
        with self.record.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")
        return "250 Message accepted"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--record", type=Path, required=True)
    parser.add_argument("--refuse", action="append", default=[])
    args = parser.parse_args()
    args.record.touch()
    controller = Controller(
        Keep(args.record, set(args.refuse)), hostname="127.0.0.1", port=args.port
    )
    controller.start()
    print(f"listening {args.port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()
