"""Small counts withheld from aggregates of asilo's own records (DHS OHSS's rule).

DHS's Office of Homeland Security Statistics does not publish a count from 1 to 9: a cell
that small can single out a person (the one Guatemalan child encountered at a port in a
month). asilo does the same for every aggregate of its own records that a role seeing only
aggregates (the analyst) reads: such a count is *withheld* (:data:`WITHHELD`, shown as "fewer
than 10", written ``<10`` in CSV); zero stays zero (it singles out nobody).

**Complementary suppression.** Cells that add up to a total the reader sees (a row of a table
with its total column; the months of a fiscal year whose total another table shows) form a
*line*. When exactly one cell of a line is withheld, the total minus the others would give it
back, so the smallest other non-zero cell of that line is withheld too; this runs over every
line until no line has a single withheld cell. Totals stay exact (a total from 1 to 9 is
withheld like any cell). A cell the reader never sees but could derive (``hidden``: "other
authorities" = encounters − Title 42 − Title 8) counts as withheld when it is not zero.

Public data (CBP's published files) never passes through here: it is already public.
Pure: no Django; the web layer translates the label.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: The smallest count shown (OHSS: counts from 1 to 9 are not published).
MIN_COUNT = 10

Row = Mapping[str, Any]
#: What names a row's line (rows of one line add up to a total the reader sees).
LineKey = Callable[[Row], Hashable]


@dataclass(frozen=True)
class Withheld:
    """A count from 1 to ``below - 1`` that is not shown. ``str()`` is its CSV form."""

    below: int = MIN_COUNT

    def __str__(self) -> str:
        return f"<{self.below}"


WITHHELD = Withheld()

Count = int | Withheld


def is_small(n: int, min_count: int = MIN_COUNT) -> bool:
    """A count that is withheld: from 1 to ``min_count - 1`` (zero is shown)."""
    return 0 < n < min_count


def shown(n: int, min_count: int = MIN_COUNT) -> Count:
    """One count on its own (no total beside it): the number, or withheld when small."""
    return Withheld(min_count) if is_small(n, min_count) else n


def by(*keys: str) -> LineKey:
    """A line of the rows sharing these keys' values (``by("month")``: one month's row)."""
    return lambda row: tuple(row[k] for k in keys)


def withheld_cells(
    counts: Sequence[int],
    lines: Iterable[Sequence[int]],
    *,
    hidden: Iterable[int] = (),
    min_count: int = MIN_COUNT,
) -> set[int]:
    """Which of ``counts`` (by index) are withheld: the small ones, plus complementary cells
    until no line (a list of indices) holds exactly one withheld cell. ``hidden`` indices
    are never shown; they count as withheld when not zero (and are in the answer)."""
    out = {i for i, n in enumerate(counts) if is_small(n, min_count)}
    out |= {i for i in hidden if counts[i] != 0}
    groups = [list(line) for line in lines]
    changed = True
    while changed:
        changed = False
        for line in groups:
            if sum(1 for i in line if i in out) != 1:
                continue
            others = sorted((counts[i], i) for i in line if i not in out and counts[i] != 0)
            if others:
                out.add(others[0][1])
                changed = True
    return out


def suppress_rows(
    rows: Sequence[Row],
    *,
    value: str,
    lines: Sequence[LineKey] = (),
    hidden: Callable[[Row], bool] | None = None,
    min_count: int = MIN_COUNT,
) -> list[dict[str, Any]]:
    """Rows of a long table (one count in ``value`` per row), small counts withheld.

    ``lines``: each names the rows that add up to a total the reader sees (``by("month")``);
    complementary suppression runs within them. No lines: primary suppression only (the rows
    add up to nothing the reader sees). ``hidden(row)``: a row the reader never sees (left
    out of the answer). The input is not changed.
    """
    counts = [int(r[value]) for r in rows]
    grouped: list[Sequence[int]] = []
    for key in lines:
        members: dict[Hashable, list[int]] = {}
        for i, r in enumerate(rows):
            members.setdefault(key(r), []).append(i)
        grouped.extend(members.values())
    secret = [i for i, r in enumerate(rows) if hidden is not None and hidden(r)]
    withheld = withheld_cells(counts, grouped, hidden=secret, min_count=min_count)
    skip = set(secret)
    return [
        {**r, value: Withheld(min_count) if i in withheld else counts[i]}
        for i, r in enumerate(rows)
        if i not in skip
    ]


def is_withheld(value: Any) -> bool:
    return isinstance(value, Withheld)
