"""The ``asilo`` command with every group (:data:`asilo.cli.registry.GROUPS`)."""

from __future__ import annotations

from asilo.cli.registry import build

app = build()


if __name__ == "__main__":  # pragma: no cover
    app()
