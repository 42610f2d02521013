"""A fake SMS gateway: the interface ``asilo.web.appointments.backends`` documents, as its own
process (the tests start it with ``python fake_sms_gateway.py --token T``).

- ``POST /v1/messages`` with ``Authorization: Bearer T`` and ``{"to", "body", "reference"}``:
  202 ``{"id": ...}`` when accepted; a repeated reference is accepted once (200, not stored
  again). 401 without the token, 400 for a malformed body, 503 for a number given with
  ``--refuse`` (a gateway that cannot deliver to it).
- ``GET /messages``: every accepted message, in order (for the test to read).

It prints ``listening <port>`` once it is ready (``--port 0`` picks a free port) and logs
nothing else.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ACCEPTED: list[dict[str, str]] = []
LOCK = threading.Lock()


def make_handler(token: str, refused: set[str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet: no numbers in output
            return

        def _answer(self, status: int, document: Any) -> None:
            data = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path != "/messages":
                self._answer(404, {"error": "not found"})
                return
            with LOCK:
                self._answer(200, list(ACCEPTED))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if self.path != "/v1/messages":
                self._answer(404, {"error": "not found"})
                return
            if self.headers.get("Authorization") != f"Bearer {token}":
                self._answer(401, {"error": "bad token"})
                return
            try:
                message = json.loads(raw)
                fields = {k: message[k] for k in ("to", "body", "reference")}
                if not all(isinstance(v, str) and v for v in fields.values()):
                    raise ValueError
            except (ValueError, KeyError, TypeError):
                self._answer(400, {"error": "to, body and reference are required strings"})
                return
            if fields["to"] in refused:
                self._answer(503, {"error": "cannot deliver to this number now"})
                return
            with LOCK:
                if any(m["reference"] == fields["reference"] for m in ACCEPTED):
                    self._answer(200, {"id": fields["reference"], "repeat": True})
                    return
                ACCEPTED.append(fields)
            self._answer(202, {"id": fields["reference"]})

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", required=True)
    parser.add_argument("--refuse", action="append", default=[], help="a number to refuse")
    args = parser.parse_args()
    server = ThreadingHTTPServer(
        ("127.0.0.1", args.port), make_handler(args.token, set(args.refuse))
    )
    print(f"listening {server.server_address[1]}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    main()
