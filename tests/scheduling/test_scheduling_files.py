"""CSV round trips, the digests a third party can recompute, and the lottery's exact ordering."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asilo.outputfiles import OutputFileError
from asilo.scheduling import (
    InputFileError,
    PortDayCapacity,
    Registration,
    allocate,
    appointments_csv,
    load_method,
    read_capacity_csv,
    read_registrations_csv,
    write_appointments_csv,
    write_capacity_csv,
    write_registrations_csv,
)
from asilo.scheduling.digest import (
    REGISTRATION_COLUMNS,
    canonical_csv,
    canonical_registrations_csv,
    registration_rows,
)
from asilo.scheduling.ranking import _lottery_order

FAMILIES = [
    Registration("B-2", 3, date(2023, 5, 2), 1, ("Nogales, AZ", "El Paso")),
    Registration("A-1", 1, date(2023, 5, 1), 2, ()),
    Registration("C-3", 2, date(2023, 5, 3), 0, ("El Paso",)),
]
CAPACITY = [
    PortDayCapacity("El Paso", date(2023, 7, 2), 5),
    PortDayCapacity("Nogales, AZ", date(2023, 7, 1), 2),
]


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_files_round_trip_and_their_digests_are_the_sha256sum_of_the_files(
    tmp_path: Path,
) -> None:
    regs, cap = tmp_path / "regs.csv", tmp_path / "cap.csv"
    canonical = sorted(FAMILIES, key=lambda r: r.registration_id)
    write_registrations_csv(canonical, regs)
    write_capacity_csv(CAPACITY, cap)
    capacity = read_capacity_csv(cap)
    family_units = read_registrations_csv(
        regs, known_ports={"El Paso", "Nogales, AZ"}, known_tiers={0, 1, 2}
    )
    assert capacity == CAPACITY
    assert family_units == canonical
    result = allocate(family_units, capacity, method=load_method(), seed=3)
    assert result.registrations_digest == sha256_file(regs)
    assert result.capacity_digest == sha256_file(cap)
    both = f"{sha256_file(regs)}\n{sha256_file(cap)}\n".encode()
    assert result.input_digest == hashlib.sha256(both).hexdigest()
    assert '"Nogales, AZ;El Paso"' in regs.read_text(encoding="utf-8")


def test_the_appointments_file(tmp_path: Path) -> None:
    # C-3 tier 0 -> El Paso Jul 2 (5 -> 3). B-2 tier 1: Nogales Jul 1 has 2 < 3 -> El Paso Jul 2.
    # A-1 tier 2, any port: Jul 1 Nogales (first day; the file lists El Paso first).
    result = allocate(FAMILIES, CAPACITY, method=load_method(), seed=3)
    out = tmp_path / "appointments.csv"
    write_appointments_csv(result, out)
    assert out.read_text(encoding="utf-8") == appointments_csv(result)
    assert out.read_text(encoding="utf-8") == (
        "registration_id,priority_rank,port,date\n"
        "C-3,1,El Paso,2023-07-02\n"
        "B-2,2,El Paso,2023-07-02\n"
        'A-1,3,"Nogales, AZ",2023-07-01\n'
    )
    assert [p.name for p in tmp_path.iterdir()] == ["appointments.csv"]


def test_blank_lines_and_a_byte_order_mark_are_accepted(tmp_path: Path) -> None:
    cap = tmp_path / "cap.csv"
    cap.write_text("\ufeffdate,capacity,port\n\n2023-07-01, 4 ,El Paso\n\n", encoding="utf-8")
    assert read_capacity_csv(cap) == [PortDayCapacity("El Paso", date(2023, 7, 1), 4)]


def test_lottery_ties_in_the_first_eight_bytes_are_settled_by_the_whole_number() -> None:
    # SHA-256 numbers that share their first 8 bytes are astronomically rare, so this test
    # builds them: the sort must fall back on the whole 32-byte number, then the id.
    ids = ["a", "b", "c", "d"]
    digests = [b"\x01" * 8 + b"\x09" * 24, b"\x01" * 8 + b"\x02" * 24, b"\x00" * 32, b"\x00" * 32]
    prefixes = np.array([int.from_bytes(d[:8], "big") for d in digests], dtype=np.uint64)
    id_ranks = np.arange(4, dtype=np.int64)
    members = np.array([0, 1, 2, 3], dtype=np.intp)
    assert _lottery_order(members, prefixes, id_ranks, digests, ids) == [2, 3, 1, 0]


def test_the_package_stays_pure() -> None:
    # Importing the scheduling package loads no web framework and no command-line code.
    code = (
        "import sys, asilo.scheduling; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('django', 'ninja') "
        "or m.startswith(('asilo.web', 'asilo.cli'))]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


port_names = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters=";\r"), min_size=1, max_size=8
).filter(lambda name: name == name.strip())


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.builds(
            Registration,
            registration_id=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,5}", fullmatch=True),
            family_size=st.integers(1, 30),
            registered_on=st.dates(),
            tier=st.integers(0, 12),
            preferred_ports=st.lists(port_names, max_size=3, unique=True).map(tuple),
        ),
        max_size=20,
    )
)
def test_the_fast_canonical_text_equals_the_csv_module(registrations: list[Registration]) -> None:
    assert canonical_registrations_csv(registrations) == canonical_csv(
        REGISTRATION_COLUMNS, registration_rows(registrations)
    )


def test_the_appointments_file_has_a_new_files_permissions(tmp_path: Path) -> None:
    """Defect: the file was made 0644 whatever the umask, so an operator's umask 077 still
    left the registration ids readable by every user of the machine."""
    result = allocate(FAMILIES, CAPACITY, method=load_method(), seed=3)
    out = tmp_path / "appointments.csv"
    before = os.umask(0o077)
    try:
        write_appointments_csv(result, out)
    finally:
        os.umask(before)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_a_replaced_file_keeps_its_permissions(tmp_path: Path) -> None:
    """Defect: rewriting a file the operator had restricted made it 0644."""
    out = tmp_path / "capacity.csv"
    out.write_text("old\n", encoding="utf-8")
    out.chmod(0o640)
    write_capacity_csv(CAPACITY, out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert out.read_text(encoding="utf-8").startswith("port,date,capacity\n")


def test_a_file_in_a_folder_that_does_not_exist_is_named_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    """Defect: the error named the temporary file (``.capacity.csv.x1y2.tmp``), not the file
    asked for, and was a bare FileNotFoundError."""
    out = tmp_path / "nowhere" / "capacity.csv"
    with pytest.raises(OutputFileError) as raised:
        write_capacity_csv(CAPACITY, out)
    assert str(raised.value) == f"{out}: the folder {out.parent} does not exist"
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    out = tmp_path / "registrations.csv"
    out.write_text("old\n", encoding="utf-8")
    unwritable = [Registration("A-1", 1, date(2023, 5, 1), 2, ("El Paso\udc80",))]
    with pytest.raises(UnicodeEncodeError):
        write_registrations_csv(unwritable, out)
    assert out.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["registrations.csv"]


def test_the_header_names_its_first_fault_in_the_headers_order(tmp_path: Path) -> None:
    path = tmp_path / "cap.csv"
    cases = {
        "date,port,capacity\n": None,  # any order
        "port,date,date,capacity\n": ("date", "the column appears twice"),
        "port,day,port,capacity\n": ("port", "the column appears twice"),  # port comes first
        "day,port,day,capacity\n": ("day", "unknown column; expected port,date,capacity"),
        "port, date\n": ("capacity", "missing column; expected port,date,capacity"),
    }
    for header, fault in cases.items():
        path.write_text(header, encoding="utf-8")
        if fault is None:
            assert read_capacity_csv(path) == []
            continue
        with pytest.raises(InputFileError) as raised:
            read_capacity_csv(path)
        assert (raised.value.line, raised.value.column, raised.value.problem) == (1, *fault)
