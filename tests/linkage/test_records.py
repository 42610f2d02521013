"""Reading R.csv: every fault names the file, the line and the column."""

from __future__ import annotations

from pathlib import Path

import pytest

from asilo.linkage.records import RECORD_COLUMNS, RecordFileError, validate_records

HEADER = ",".join(RECORD_COLUMNS)


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "R.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_good_file_with_empty_fields_and_year_only_dates(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER,
        "r1,José,López,Hernández,1990-02-03,M,MEX,A012345678,",
        "r2,Jose,Lopez,,1990,,,,",
        "r3,,,,,,,,",
    )
    assert validate_records(path) == 3


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        ("r1,José,López,,1990-02-30,M,MEX,,", "date_of_birth", "no such date"),
        ("r1,José,López,,03/02/1990,M,MEX,,", "date_of_birth", "YYYY-MM-DD"),
        ("r1,José,López,,1990,male,MEX,,", "sex", "M, F or X"),
        ("r1,José,López,,1990,M,Mexico,,", "nationality", "alpha-3"),
        ("r1,José,López,,1990,M,MEX,12AB,", "a_number", "A-number"),
        (",José,López,,1990,M,MEX,,", "record_id", "empty"),
    ],
)
def test_bad_values_name_line_and_column(
    tmp_path: Path, row: str, column: str, fragment: str
) -> None:
    path = write(tmp_path, HEADER, "r0,Ana,Cruz,,2001,F,HND,,", row)
    with pytest.raises(RecordFileError) as info:
        validate_records(path)
    assert info.value.line == 3
    assert info.value.column == column
    assert fragment in str(info.value)
    assert str(path) in str(info.value)


def test_wrong_header_and_wrong_field_count_and_duplicates(tmp_path: Path) -> None:
    with pytest.raises(RecordFileError, match="missing sex"):
        validate_records(write(tmp_path, HEADER.replace(",sex", "")))
    with pytest.raises(RecordFileError, match="line 2: 3 fields"):
        validate_records(write(tmp_path, HEADER, "r1,a,b"))
    with pytest.raises(RecordFileError, match="duplicate record id"):
        validate_records(write(tmp_path, HEADER, "r1,,,,,,,,", "r1,,,,,,,,"))
    with pytest.raises(RecordFileError, match="empty"):
        validate_records(write(tmp_path, ""))


def test_the_header_names_every_fault(tmp_path: Path) -> None:
    """Defect: a header with every column and one of them twice was called "columns out of
    order"; it now says which column is repeated."""
    must = "the header must be " + ",".join(RECORD_COLUMNS)
    cases = {
        HEADER + ",record_id": "repeated record_id",
        HEADER.replace(",sex", ",gender"): "missing sex; unexpected gender",
        HEADER.replace("given_names,first_surname", "first_surname,given_names"): (
            "columns out of order"
        ),
        HEADER.replace(",sex", ",nationality"): "missing sex; repeated nationality",
    }
    for header, detail in cases.items():
        with pytest.raises(RecordFileError) as raised:
            validate_records(write(tmp_path, header, "r1,,,,,,,,"))
        assert raised.value.line == 1
        assert raised.value.problem == f"{must} ({detail})"


# Files the bulk checks (C csv reader + one DuckDB query) might judge differently from the
# line-by-line Python reader; linking must accept exactly what the reader accepts and refuse
# what it refuses, naming the same line and column.
TRICKY_ROWS = [
    "r1,José,López,,1990-02-03,M,MEX,,,",  # a trailing empty tenth field (DuckDB allows it)
    "r1,José,López,,1990-02-03,M,MEX,,",  # fine
    "r1, José ,López,,1990-02-03, M ,MEX,,",  # spaces around values: stripped, fine
    "r1,José,López,,1990-02-03,\u00a0M,MEX,,",  # a no-break space: Python strips it, fine
    "\u00a0,José,López,,1990-02-03,M,MEX,,",  # an id of only a no-break space: empty
    "r1,José,López,,١٩٩٠,M,MEX,,",  # Arabic-Indic digits: Python's \\d takes them
    "r1,José,López,,1899,M,MEX,,",
    "r1,José,López,,2021-02-29,M,MEX,,",
    "r1," + "é" * 150 + ",López,,1990,M,MEX,,",  # 150 characters, 300 bytes: fine
    "r1," + "é" * 201 + ",López,,1990,M,MEX,,",
    'r1,"José\nMaría",López,,1990,M,MEX,,',  # a quoted line break
    'r1,"José"x,López,,1990,M,MEX,,',
    "r1,José,López,,1990,M,mex,,",
    "r1,José,López,,1990,M,MEX,A-012345678,",
]


@pytest.mark.parametrize("row", TRICKY_ROWS)
def test_linking_accepts_and_refuses_what_the_reader_does(tmp_path: Path, row: str) -> None:
    import duckdb

    from asilo.linkage.engine import _load_raw

    path = write(tmp_path, HEADER, "r0,Ana,Cruz,,2001,F,HND,,", row, "r9,Eva,Paz,,2002,F,HND,,")
    try:
        expected: int | RecordFileError = validate_records(path)
    except RecordFileError as exc:
        expected = exc
    con = duckdb.connect()
    if isinstance(expected, RecordFileError):
        with pytest.raises(RecordFileError) as info:
            _load_raw(con, path)
        assert (info.value.line, info.value.column) == (expected.line, expected.column)
    else:
        assert _load_raw(con, path) == expected == 3
