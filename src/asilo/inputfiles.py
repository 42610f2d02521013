"""What the pure packages' file readers share: a fault in an input file, located.

The schedule's CSV files (:mod:`asilo.scheduling.csv_io`) and the identity record files
(:mod:`asilo.linkage.records`) refuse bad input with a subclass of :class:`InputFileFault`,
whose message names the file, the line (1: the header; 0: the file as a whole) and, where one
is to blame, the column: ``R.csv, line 3, column date_of_birth: no such date``. Both check
their header line with :func:`header_faults`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal


class InputFileFault(ValueError):
    """A problem in an input file, located by file, line and column."""

    def __init__(self, file: Path, line: int, column: str | None, problem: str) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.problem = problem
        where = f"{file}, line {line}" + (f", column {column}" if column else "")
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class HeaderFault:
    """A column of a header line that is not as expected."""

    column: str
    kind: Literal["unknown", "repeated", "missing"]


def header_faults(header: Sequence[str], columns: Sequence[str]) -> list[HeaderFault]:
    """What keeps ``header`` from holding exactly ``columns`` (in any order): each name that is
    not a column or that stands more than once, in the header's order (at its first place),
    then each column that is missing, in the columns' order. Empty: the same columns (a reader
    that needs them in order checks the order itself)."""
    counts = Counter(header)
    faults = [
        HeaderFault(name, "unknown" if name not in columns else "repeated")
        for name, count in counts.items()  # in the order of first appearance
        if name not in columns or count > 1
    ]
    faults.extend(HeaderFault(column, "missing") for column in columns if column not in counts)
    return faults
