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

from collections.abc import Mapping
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
