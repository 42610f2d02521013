"""What the pure packages' file readers share: a fault in an input file, located.

The schedule's CSV files (:mod:`asilo.scheduling.csv_io`) and the identity record files
(:mod:`asilo.linkage.records`) refuse bad input with a subclass of :class:`InputFileFault`,
whose message names the file, the line (1: the header; 0: the file as a whole) and, where one
is to blame, the column: ``R.csv, line 3, column date_of_birth: no such date``.
"""

from __future__ import annotations

from pathlib import Path


class InputFileFault(ValueError):
    """A problem in an input file, located by file, line and column."""

    def __init__(self, file: Path, line: int, column: str | None, problem: str) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.problem = problem
        where = f"{file}, line {line}" + (f", column {column}" if column else "")
        super().__init__(f"{where}: {problem}")
