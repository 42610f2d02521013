"""CSV exports that are safe to open in a spreadsheet.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return, which some spreadsheets skip before such a sign) as a formula: an exported name or
note such as ``=HYPERLINK(...)`` would run on the reader's machine (CSV injection). Every text
cell that starts so gets a leading apostrophe, which the spreadsheet shows as text. Numbers,
booleans and moments are written plainly (a negative number is a number, not a formula).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime

#: The first characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: object) -> str:
    """A text cell, a formula neutralised (a leading apostrophe: shown as text, never run)."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_cell(value: object) -> str:
    """One cell: empty for none, ``true``/``false``, numbers as they are, moments in UTC
    (``2021-03-10T20:30:00Z``), dates as ``YYYY-MM-DD``, and any other value as neutralised
    text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return csv_text(value)


def csv_document(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A CSV document (RFC 4180: comma, double quotes, CRLF) with a header row; every cell
    goes through :func:`csv_cell`."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        if len(row) != len(columns):
            raise ValueError(f"a row has {len(row)} cells for {len(columns)} columns")
        writer.writerow([csv_cell(v) for v in row])
    return out.getvalue()
