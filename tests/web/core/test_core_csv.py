"""The shared CSV writer: a cell that a spreadsheet would run as a formula is shown as text."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from asilo.web.core.csv import csv_cell, csv_document, csv_text


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_text_that_starts_like_a_formula_gets_a_leading_apostrophe(start: str) -> None:
    assert csv_text(f"{start}HYPERLINK(1)") == f"'{start}HYPERLINK(1)"
    assert csv_cell(f"{start}1") == f"'{start}1"


def test_plain_values_are_written_as_they_are() -> None:
    assert csv_text("Rio Grande Valley") == "Rio Grande Valley"
    assert csv_text(None) == ""
    assert csv_cell(-5) == "-5"  # a number, not a formula
    assert csv_cell(72) == "72"
    assert csv_cell(True) == "true" and csv_cell(False) == "false"
    assert csv_cell(None) == ""
    moment = datetime(2021, 3, 10, 14, 30, tzinfo=timezone(timedelta(hours=-6)))
    assert csv_cell(moment) == "2021-03-10T20:30:00Z"
    assert csv_cell(date(2021, 3, 10)) == "2021-03-10"


def test_a_document_has_a_header_crlf_lines_and_neutralised_cells() -> None:
    text = csv_document(
        ("id", "place", "at"),
        [(1, '=cmd|" /C calc"!A0', datetime(2021, 3, 10, tzinfo=UTC)), (2, "El Paso", None)],
    )
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [
        ["id", "place", "at"],
        ["1", '\'=cmd|" /C calc"!A0', "2021-03-10T00:00:00Z"],
        ["2", "El Paso", ""],
    ]


def test_a_row_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="2 cells for 3 columns"):
        csv_document(("a", "b", "c"), [(1, 2)])
