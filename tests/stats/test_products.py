"""Recognising CBP's products by their header."""

from __future__ import annotations

import pytest

from asilo.stats.products import NATIONWIDE_AOR, NATIONWIDE_STATE, SOUTHWEST, header_key, recognise

from .conftest import AOR_EXCERPT, SOUTHWEST_HEADER, STATE_FILE, real_lines


def test_real_headers_are_recognised() -> None:
    assert recognise(real_lines(STATE_FILE, 0)[0].split(",")).product is NATIONWIDE_STATE
    assert recognise(real_lines(AOR_EXCERPT, 0)[0].split(",")).product is NATIONWIDE_AOR
    assert recognise(real_lines(AOR_EXCERPT, 0)[0].split(",")).exact


def test_cbp_and_snake_case_headers_are_the_same_columns() -> None:
    cbp = [published for _, published in NATIONWIDE_AOR.columns]
    snake = [header_key(h) for h in cbp]
    assert snake[2] == "month_abbv" and snake[6] == "aor_abbv"
    assert recognise(snake).product is NATIONWIDE_AOR
    assert recognise(list(reversed(cbp))).exact  # order does not matter: columns go by name


def test_southwest_header() -> None:
    recognition = recognise(SOUTHWEST_HEADER.split(","))
    assert recognition.product is SOUTHWEST and recognition.exact
    assert dict(SOUTHWEST.implicit) == {"region": "Southwest Land Border"}


@pytest.mark.parametrize(
    ("drop", "expected"),
    [("Encounter Count", "missing column 'Encounter Count'"), ("State", "missing column 'State'")],
)
def test_missing_column_names_the_closest_product(drop: str, expected: str) -> None:
    headers = [h for _, h in NATIONWIDE_STATE.columns if h != drop]
    recognition = recognise(headers)
    assert not recognition.exact
    assert recognition.product is NATIONWIDE_STATE
    assert expected in recognition.problem()
    assert "closest: CBP Nationwide Encounters by state" in recognition.problem()


def test_unknown_column_is_reported_as_not_mapped() -> None:
    headers = [h for _, h in NATIONWIDE_STATE.columns] + ["Sector"]
    assert "column not mapped 'Sector'" in recognise(headers).problem()
