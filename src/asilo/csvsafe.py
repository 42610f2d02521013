"""CSV cells that are safe to open in a spreadsheet (shared by the pure packages and the web).

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return, which some spreadsheets skip before such a sign; ``|`` or ``%`` in older ones) as a
formula: a name or note such as
``=HYPERLINK(...)`` written into a CSV file would run on the reader's machine (CSV injection).
Every *text* cell that starts so gets a leading apostrophe, which the spreadsheet shows as
text. Numbers stay numbers: a cell whose value is a number (``-5``, ``-0.25``) is written as
it is; a cell whose value is text is text, whatever it looks like.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

#: The first characters that make a spreadsheet read a cell as a formula (``|`` and ``%``:
#: dynamic data exchange and macro prefixes of older spreadsheets).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "|", "%")


def safe_text(value: object) -> str:
    """A text cell, a formula neutralised (a leading apostrophe: shown as text, never run)."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def _sql_char(char: str) -> str:
    if not char.isprintable():
        return f"chr({ord(char)})"
    return "'" + char.replace("'", "''") + "'"


#: The first characters of :data:`FORMULA_STARTS` as a SQL list (tab and CR as ``chr(n)``).
_SQL_STARTS = ", ".join(_sql_char(c) for c in FORMULA_STARTS)


def sql_safe_text(expression: str) -> str:
    """The SQL (DuckDB) of :func:`safe_text` for a text ``expression``: the same apostrophe
    before the same first characters, for a writer that builds its CSV in the database
    (``COPY ... TO``). NULL stays NULL (an empty cell)."""
    quote = "''''"  # one apostrophe, as a SQL string
    return (
        f"(CASE WHEN left({expression}, 1) IN ({_SQL_STARTS}) "
        f"THEN {quote} || {expression} ELSE {expression} END)"
    )


def sql_text_back(expression: str) -> str:
    """The SQL that undoes :func:`sql_safe_text` on a cell read back from a file asilo wrote
    (``identity evaluate`` reading ``identity link``'s C.csv): the apostrophe before a
    formula's first character is dropped."""
    return (
        f"(CASE WHEN left({expression}, 1) = '''' AND substr({expression}, 2, 1) IN "
        f"({_SQL_STARTS}) THEN substr({expression}, 2) ELSE {expression} END)"
    )


def safe_cell(value: Any) -> Any:
    """One cell for ``csv.writer``: numbers (and booleans) unchanged, text neutralised."""
    if value is None or isinstance(value, bool | int | float):
        return value
    return safe_text(value)


def safe_row(row: Any) -> list[Any]:
    """A row for ``csv.writer`` with every cell through :func:`safe_cell`."""
    return [safe_cell(v) for v in row]


def safe_dict(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row for ``csv.DictWriter`` with every cell through :func:`safe_cell`."""
    return {k: safe_cell(v) for k, v in row.items()}


def rows_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """``rows`` as CSV text (the header from the first row's keys, ``\n`` line ends), every
    cell through :func:`safe_cell`; no rows: empty text."""
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(safe_dict(r) for r in rows)
    return out.getvalue()
