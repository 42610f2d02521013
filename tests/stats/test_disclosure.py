"""Small counts withheld (DHS OHSS: 1 to 9 not published), with complementary suppression."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as s

from asilo.stats.disclosure import (
    MIN_COUNT,
    WITHHELD,
    by,
    is_small,
    is_withheld,
    shown,
    suppress_rows,
    withheld_cells,
)


def test_one_to_nine_are_withheld_zero_and_ten_are_shown() -> None:
    assert MIN_COUNT == 10
    assert [n for n in range(0, 12) if is_small(n)] == list(range(1, 10))
    assert shown(0) == 0 and shown(10) == 10 and shown(1234) == 1234
    assert all(shown(n) == WITHHELD for n in range(1, 10))
    assert str(WITHHELD) == "<10"


def test_one_small_cell_takes_the_smallest_other_of_its_line_with_it() -> None:
    # With the line's total (25 + 10 + 3 = 38) shown, 3 alone would be 38 - 25 - 10.
    assert withheld_cells([25, 10, 3], [[0, 1, 2]]) == {1, 2}
    # Two small cells protect each other; zeros are shown and never chosen.
    assert withheld_cells([4, 7, 0, 50], [[0, 1, 2, 3]]) == {0, 1}
    assert withheld_cells([3, 0, 0], [[0, 1, 2]]) == {0}  # nothing else to take
    assert withheld_cells([10, 11], [[0, 1]]) == set()
    # Without lines (nothing adds up to a shown total): the small cells alone.
    assert withheld_cells([25, 10, 3], []) == {2}


def test_lines_cross_until_no_line_has_a_single_withheld_cell() -> None:
    # A 2 x 3 table with row and column totals shown:   a=3  b=40 c=50
    #                                                   d=60 e=70 f=80
    cells = [3, 40, 50, 60, 70, 80]
    rows, cols = [[0, 1, 2], [3, 4, 5]], [[0, 3], [1, 4], [2, 5]]
    out = withheld_cells(cells, [*rows, *cols])
    # a; then b (row 0); then d (column of a) and e (column of b) : every line has 0 or 2.
    assert out == {0, 1, 3, 4}
    for line in (*rows, *cols):
        assert sum(1 for i in line if i in out) != 1


def test_a_hidden_cell_counts_as_withheld_and_is_left_out() -> None:
    # "other" (encounters - Title 42 - Title 8) is never shown: it already protects 3.
    rows = [
        {"fy": 2024, "part": "t42", "n": 3},
        {"fy": 2024, "part": "t8", "n": 40},
        {"fy": 2024, "part": "other", "n": 12},
    ]
    out = suppress_rows(rows, value="n", lines=[by("fy")], hidden=lambda r: r["part"] == "other")
    assert [(r["part"], r["n"]) for r in out] == [("t42", WITHHELD), ("t8", 40)]
    # A hidden zero protects nothing: the smallest shown cell goes with the small one.
    rows[2]["n"] = 0
    out = suppress_rows(rows, value="n", lines=[by("fy")], hidden=lambda r: r["part"] == "other")
    assert [(r["part"], r["n"]) for r in out] == [("t42", WITHHELD), ("t8", WITHHELD)]


def test_rows_in_lines_and_without() -> None:
    rows = [
        {"month": "2024-01", "authority": "Title 8", "encounters": 120},
        {"month": "2024-01", "authority": "Title 42", "encounters": 2},
        {"month": "2024-01", "authority": "Other", "encounters": 15},
        {"month": "2024-02", "authority": "Title 8", "encounters": 30},
    ]
    lined = suppress_rows(rows, value="encounters", lines=[by("month")])
    assert [r["encounters"] for r in lined] == [120, WITHHELD, WITHHELD, 30]
    flat = suppress_rows(rows, value="encounters")
    assert [r["encounters"] for r in flat] == [120, WITHHELD, 15, 30]
    assert rows[1]["encounters"] == 2  # the input is not changed


@settings(max_examples=150, deadline=None)
@given(
    s.lists(
        s.lists(s.integers(min_value=0, max_value=30), min_size=3, max_size=3),
        min_size=1,
        max_size=5,
    )
)
def test_no_count_below_ten_is_shown_and_no_line_has_one_withheld_cell(
    table: list[list[int]],
) -> None:
    counts = [n for row in table for n in row]
    rows = [[r * 3 + c for c in range(3)] for r in range(len(table))]
    cols = [[r * 3 + c for r in range(len(table))] for c in range(3)]
    out = withheld_cells(counts, [*rows, *cols])
    for i, n in enumerate(counts):
        if i not in out:
            assert not is_small(n)  # shown: 0 or 10+, exactly
    for line in (*rows, *cols):
        inside = [i for i in line if i in out]
        if len(inside) == 1:  # only when nothing else in the line could go with it
            assert all(counts[i] == 0 for i in line if i not in out)
    shown_rows = suppress_rows(
        [{"k": i, "n": n} for i, n in enumerate(counts)], value="n", lines=[by("k")]
    )
    assert all(is_withheld(r["n"]) == is_small(counts[r["k"]]) for r in shown_rows)
