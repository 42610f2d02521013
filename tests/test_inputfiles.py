"""``asilo.inputfiles.header_faults``: the header check of the schedule and identity readers."""

from __future__ import annotations

from asilo.inputfiles import HeaderFault, header_faults

COLUMNS = ("id", "date", "size")


def test_the_same_columns_in_any_order_have_no_fault() -> None:
    assert header_faults(["id", "date", "size"], COLUMNS) == []
    assert header_faults(["size", "id", "date"], COLUMNS) == []


def test_unknown_and_repeated_names_in_the_headers_order_then_the_missing() -> None:
    assert header_faults(["date", "x", "date", "x", "id"], COLUMNS) == [
        HeaderFault("date", "repeated"),
        HeaderFault("x", "unknown"),
        HeaderFault("size", "missing"),
    ]
    assert header_faults([], COLUMNS) == [HeaderFault(c, "missing") for c in COLUMNS]
    assert header_faults(["ID", "date", "size"], COLUMNS) == [
        HeaderFault("ID", "unknown"),
        HeaderFault("id", "missing"),
    ]
