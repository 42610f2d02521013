"""Options that several ``asilo`` commands take, each declared once.

A command names the option by its type (``output_format: TextOrJson = "text"``) and keeps its
own default; the option's name, help and checks are here, so the same option reads and fails
the same way in every command.

Like :mod:`asilo.cli.common`, this module imports nothing but Typer.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from asilo.cli.common import echo_json, fail


class OutputFormat(StrEnum):
    """``--format`` of the commands that print rows: a table to read, CSV or JSON."""

    table = "table"
    csv = "csv"
    json = "json"


def text_or_json(value: str) -> str:
    """``value`` of a :data:`TextOrJson` option, or exit 2 naming ``--format``."""
    if value not in ("json", "text"):
        fail(f"--format: {value!r} is not 'json' or 'text'")
    return value


#: ``--format json|text`` of the commands that print one answer (checked as it is read, before
#: the command runs: :func:`text_or_json`).
TextOrJson = Annotated[
    str,
    typer.Option(
        "--format",
        help="'json' for machine-readable output, 'text' to read.",
        callback=text_or_json,
    ),
]


def printed_as_json(output_format: str, answer: Any) -> bool:
    """When ``output_format`` is ``json``: print ``answer`` (a pydantic model, or data that
    JSON can hold) as JSON, and say so; the command then prints nothing else."""
    if output_format != "json":
        return False
    echo_json(answer.model_dump(mode="json") if hasattr(answer, "model_dump") else answer)
    return True


#: ``--format table|csv|json`` (Typer refuses any other value).
RowsFormat = Annotated[OutputFormat, typer.Option("--format")]

#: ``--db``: the statistics database that ``asilo stats import`` writes.
StatsDb = Annotated[
    Path,
    typer.Option(
        "--db", help="DuckDB statistics database (asilo stats import).", show_default=True
    ),
]


def parse_day(value: str, option: str) -> date:
    """The date ``value`` written YYYY-MM-DD, given as ``option``; anything else (another
    spelling, a day that does not exist) exits 2 naming the option."""
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is not a date (YYYY-MM-DD)")


def day_option(name: str, help: str, *, label: str | None = None) -> Any:
    """The option ``name``: a date written YYYY-MM-DD, read as it is given (:func:`parse_day`:
    anything else exits 2 naming the option, or ``label`` where the command names its fields
    so). Declared ``Annotated[date, day_option(...)]``, or ``date | None`` with the default
    ``None``."""
    return typer.Option(
        name,
        help=help,
        metavar="YYYY-MM-DD",
        parser=lambda value: value if isinstance(value, date) else parse_day(value, label or name),
    )
