"""The bulk path of ``asilo schedule allocate`` gives exactly what ``allocate()`` gives.

Every file here is run both ways: ``allocate_files`` (DuckDB reads, checks, hashes, sorts and
writes) and the line-by-line reader followed by ``allocate()``. The appointments file it writes
must be the text ``appointments_csv`` gives, the digests and the summary must be equal, and the
bulk path must really have run on valid files.
"""

from __future__ import annotations

import os
import stat
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asilo.outputfiles import OutputFileError
from asilo.scheduling import (
    PortDayCapacity,
    Registration,
    SelectedBy,
    allocate,
    appointments_csv,
    load_method,
    read_capacity_csv,
    read_registrations_csv,
    write_capacity_csv,
    write_registrations_csv,
)
from asilo.scheduling.allocation import ports_in_order
from asilo.scheduling.bulk import FileAllocation, allocate_files, from_result
from asilo.scheduling.ranking import _interleave, interleave_in_chunks

METHOD = load_method()
PORTS = ("San Ysidro", "El Paso", 'Nogales, "AZ"', "Hidalgo")


def line_by_line(regs: Path, cap: Path, seed: int) -> tuple[FileAllocation, str]:
    capacity = read_capacity_csv(cap)
    ports = ports_in_order(capacity)
    registrations = read_registrations_csv(
        regs, known_ports=set(ports), known_tiers=set(METHOD.tier_numbers())
    )
    result = allocate(registrations, capacity, method=METHOD, seed=seed)
    return from_result(result, ports), appointments_csv(result)


def same_run(bulk: FileAllocation, out: Path, reference: tuple[FileAllocation, str]) -> None:
    summary, text = reference
    assert out.read_text(encoding="utf-8") == text
    for field in (
        "registrations_digest",
        "capacity_digest",
        "input_digest",
        "horizon_start",
        "horizon_end",
        "ports",
        "families_by_port",
        "persons_by_port",
        "unallocated_families",
        "unallocated_persons",
        "rows",
    ):
        assert getattr(bulk, field) == getattr(summary, field), field


registration = st.builds(
    Registration,
    registration_id=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,6}", fullmatch=True),
    family_size=st.integers(1, 9),
    registered_on=st.dates(date(2022, 1, 1), date(2023, 6, 30)),
    tier=st.sampled_from(METHOD.tier_numbers()),
    preferred_ports=st.lists(st.sampled_from(PORTS), max_size=3, unique=True).map(tuple),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    registrations=st.lists(registration, max_size=60, unique_by=lambda r: r.registration_id),
    room=st.lists(st.integers(0, 12), min_size=len(PORTS) * 4, max_size=len(PORTS) * 4),
    seed=st.integers(0, 2**40),
)
def test_bulk_equals_allocate(
    tmp_path: Path, registrations: list[Registration], room: list[int], seed: int
) -> None:
    regs, cap = tmp_path / "regs.csv", tmp_path / "cap.csv"
    write_registrations_csv(registrations, regs)
    first = date(2023, 7, 1)
    capacity = [
        PortDayCapacity(port, first + timedelta(days=d), room[d * len(PORTS) + k])
        for d in range(4)
        for k, port in enumerate(PORTS)
    ]
    write_capacity_csv(capacity, cap)
    out = tmp_path / "appointments.csv"
    bulk = allocate_files(regs, cap, method=METHOD, seed=seed, out=out)
    assert bulk.bulk, "valid canonical files take the bulk path"
    same_run(bulk, out, line_by_line(regs, cap, seed))


CAPACITY = "port,date,capacity\nSan Ysidro,2023-07-01,4\nEl Paso,2023-07-01,3\n"


@pytest.mark.parametrize(
    ("text", "bulk"),
    [
        # columns in another order, spaces around values, CRLF, a BOM, leading zeros
        (
            "\ufefftier, registration_id ,family_size,registered_on,preferred_ports\r\n"
            "2, F1 ,01,2023-01-10, El Paso ; San Ysidro \r\n"
            '1,V1,3,2023-02-01,"San Ysidro"\r\n',
            True,
        ),
        # no data rows at all
        ("registration_id,family_size,registered_on,tier,preferred_ports\n", True),
        # a blank line and a tab: the line-by-line reader accepts them; the bulk checks may not
        (
            "registration_id,family_size,registered_on,tier,preferred_ports\n"
            "F1,1,2023-01-10,2,\n\nF2,2,2023-01-05,2,\tEl Paso\n",
            None,
        ),
    ],
)
def test_unusual_valid_files_give_the_same_result(
    tmp_path: Path, text: str, bulk: bool | None
) -> None:
    regs, cap = tmp_path / "regs.csv", tmp_path / "cap.csv"
    regs.write_text(text, encoding="utf-8", newline="")
    cap.write_text(CAPACITY, encoding="utf-8")
    out = tmp_path / "appointments.csv"
    result = allocate_files(regs, cap, method=METHOD, seed=11, out=out)
    if bulk is not None:
        assert result.bulk is bulk
    same_run(result, out, line_by_line(regs, cap, 11))


def test_a_port_name_with_a_line_break_is_written_by_python_the_same(tmp_path: Path) -> None:
    """DuckDB's writer would quote a line holding a line break: such files are written (and
    their digest lines hashed) by Python, and still give ``allocate()``'s text."""
    regs, cap = tmp_path / "regs.csv", tmp_path / "cap.csv"
    cap.write_text(
        'port,date,capacity\n"San\nYsidro",2023-07-01,4\nEl Paso,2023-07-01,3\n', encoding="utf-8"
    )
    regs.write_text(
        "registration_id,family_size,registered_on,tier,preferred_ports\n"
        'F1,1,2023-01-10,2,"San\nYsidro"\nF2,2,2023-01-05,2,\nF3,3,2023-01-04,1,El Paso\n',
        encoding="utf-8",
    )
    out = tmp_path / "appointments.csv"
    result = allocate_files(regs, cap, method=METHOD, seed=5, out=out)
    assert result.bulk
    assert '"San\nYsidro"' in out.read_text(encoding="utf-8")
    same_run(result, out, line_by_line(regs, cap, 5))


def test_an_output_folder_that_does_not_exist_is_named_after_the_inputs_are_read(
    tmp_path: Path,
) -> None:
    regs, cap = tmp_path / "regs.csv", tmp_path / "cap.csv"
    regs.write_text(
        "registration_id,family_size,registered_on,tier,preferred_ports\nF1,1,2023-01-10,2,\n",
        encoding="utf-8",
    )
    cap.write_text(CAPACITY, encoding="utf-8")
    with pytest.raises(OutputFileError, match=r"the folder .* does not exist"):
        allocate_files(regs, cap, method=METHOD, seed=5, out=tmp_path / "nowhere" / "a.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cap.csv", "regs.csv"]


def test_the_bulk_appointments_file_has_a_new_files_permissions(tmp_path: Path) -> None:
    """Defect: DuckDB's file was made 0644 whatever the umask (and whatever the permissions
    of the file it replaced)."""
    regs, cap = tmp_path / "regs.csv", tmp_path / "cap.csv"
    regs.write_text(
        "registration_id,family_size,registered_on,tier,preferred_ports\nF1,1,2023-01-10,2,\n",
        encoding="utf-8",
    )
    cap.write_text(CAPACITY, encoding="utf-8")
    out, kept = tmp_path / "new.csv", tmp_path / "kept.csv"
    kept.write_text("old\n", encoding="utf-8")
    kept.chmod(0o640)
    before = os.umask(0o077)
    try:
        assert allocate_files(regs, cap, method=METHOD, seed=5, out=out).bulk
    finally:
        os.umask(before)
    assert allocate_files(regs, cap, method=METHOD, seed=5, out=kept).bulk
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640
    assert kept.read_text(encoding="utf-8") == out.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "cap.csv",
        "kept.csv",
        "new.csv",
        "regs.csv",
    ]


@settings(max_examples=150, deadline=None)
@given(
    data=st.data(),
    count=st.integers(0, 400),
    cycle=st.lists(st.sampled_from(list(SelectedBy)), min_size=1, max_size=5).map(tuple),
    chunk=st.integers(1, 64),
    tail=st.integers(0, 20),
    how=st.sampled_from(["random", "same", "reversed", "shifted"]),
)
def test_interleaving_in_chunks_equals_place_by_place(
    data: st.DataObject,
    count: int,
    cycle: tuple[SelectedBy, ...],
    chunk: int,
    tail: int,
    how: str,
) -> None:
    """The chunked interleaving gives ``_interleave``'s order for any two orders and cycle,
    including orders that compete for every family (the same order, or one shifted by one)."""
    others = data.draw(st.integers(0, 20))  # positions of other tiers, already taken or not
    size = count + others
    members = np.array(data.draw(st.permutations(range(size)))[:count], dtype=np.intp)
    waiting = members[np.array(data.draw(st.permutations(range(count))), dtype=np.intp)]
    if how == "same":
        lottery = waiting.copy()
    elif how == "reversed":
        lottery = waiting[::-1].copy()
    elif how == "shifted":
        lottery = np.roll(waiting, 1)
    else:
        lottery = members[np.array(data.draw(st.permutations(range(count))), dtype=np.intp)]
    before = bytearray(data.draw(st.binary(min_size=size, max_size=size)))
    for k in members.tolist():
        before[k] = 0
    for k in range(size):
        before[k] = 1 if before[k] else 0
    expected_taken = bytearray(before)
    expected, _ = _interleave(waiting.tolist(), lottery.tolist(), cycle, expected_taken)
    taken = bytearray(before)
    got = interleave_in_chunks(waiting, lottery, cycle, taken, chunk=chunk, tail=tail).tolist()
    assert got == expected
    assert taken == expected_taken
