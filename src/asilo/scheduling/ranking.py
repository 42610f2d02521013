"""The priority order: tiers, then longest-waiting and lottery places in the method's ratio.

The lottery needs no random-number generator: a family unit's lottery number is the SHA-256
digest of the text ``"{seed}:{registration_id}"`` (ASCII bytes), written as 64 lower-case
hexadecimal digits; the smaller number is drawn first. Anyone can recompute it, for example
``printf '%s' '20230512:R-0001' | sha256sum``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from asilo.scheduling.columns import RegistrationColumns
from asilo.scheduling.method import Method
from asilo.scheduling.model import AllocationInputError, Registration, SelectedBy

Indices = npt.NDArray[np.intp]


def lottery_message(seed: int, registration_id: str) -> bytes:
    """The exact bytes whose SHA-256 digest is the lottery number."""
    return f"{seed}:{registration_id}".encode("ascii")


def lottery_number(seed: int, registration_id: str) -> str:
    """A family unit's lottery number for a seed: 64 lower-case hexadecimal digits."""
    return hashlib.sha256(lottery_message(seed, registration_id)).hexdigest()


def check_seed(seed: int) -> None:
    """A seed is a whole number from 0 upwards, written in decimal in the lottery message."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise AllocationInputError(f"the seed must be a whole number from 0 upwards, not {seed!r}")


@dataclass(frozen=True, slots=True)
class PriorityOrder:
    """Positions into the list of registrations, in priority order, and how each was chosen."""

    indices: list[int]
    selected_by: list[SelectedBy]


def _check_tiers(
    registrations: Sequence[Registration], tiers: npt.NDArray[np.int64], method: Method
) -> None:
    known = method.tier_numbers()
    unknown = np.flatnonzero(~np.isin(tiers, known))
    if unknown.size:
        registration = registrations[int(unknown[0])]
        raise AllocationInputError(
            f"registration {registration.registration_id}: tier {registration.tier} is not "
            f"one of method {method.label}'s tiers {list(known)}"
        )


def _lottery_digests(seed: int, ids: Sequence[str]) -> list[bytes]:
    sha256 = hashlib.sha256
    return [sha256(f"{seed}:{rid}".encode("ascii")).digest() for rid in ids]


def _digest_prefixes(digests: list[bytes]) -> npt.NDArray[np.uint64]:
    """The first 8 bytes of each digest as an unsigned big-endian number (same order)."""
    whole = np.frombuffer(b"".join(digests), dtype=">u8").reshape(-1, 4)
    return whole[:, 0].astype(np.uint64)


def _waiting_order(
    members: Indices, ordinals: npt.NDArray[np.int64], id_ranks: npt.NDArray[np.int64]
) -> list[int]:
    order = np.lexsort((id_ranks[members], ordinals[members]))
    waiting: list[int] = members[order].tolist()
    return waiting


def _lottery_order(
    members: Indices,
    prefixes: npt.NDArray[np.uint64],
    id_ranks: npt.NDArray[np.int64],
    digests: list[bytes],
    ids: Sequence[str],
) -> list[int]:
    """Members by lottery number, then id. Sorting uses the first 8 bytes of the digest; runs
    that share those 8 bytes are put in order by the whole digest."""
    order = members[np.lexsort((id_ranks[members], prefixes[members]))]
    result: list[int] = order.tolist()
    keys = prefixes[order]
    same_as_next = np.flatnonzero(keys[1:] == keys[:-1])
    start = 0
    while start < same_as_next.size:
        first = int(same_as_next[start])
        end = start
        while (
            end + 1 < same_as_next.size and int(same_as_next[end + 1]) == int(same_as_next[end]) + 1
        ):
            end += 1
        last = int(same_as_next[end]) + 1
        result[first : last + 1] = sorted(
            result[first : last + 1], key=lambda i: (digests[i], ids[i])
        )
        start = end + 1
    return result


def _interleave(
    waiting: list[int], lottery: list[int], cycle: tuple[SelectedBy, ...], taken: bytearray
) -> tuple[list[int], list[SelectedBy]]:
    """Fill the tier's places cycle by cycle: each place takes the next family in its source's
    order that no earlier place has taken."""
    count = len(waiting)
    indices: list[int] = []
    sources: list[SelectedBy] = []
    next_waiting = next_lottery = 0
    longest_waiting = SelectedBy.LONGEST_WAITING
    while len(indices) < count:
        for source in cycle:
            if source is longest_waiting:
                while taken[waiting[next_waiting]]:
                    next_waiting += 1
                chosen = waiting[next_waiting]
                next_waiting += 1
            else:
                while taken[lottery[next_lottery]]:
                    next_lottery += 1
                chosen = lottery[next_lottery]
                next_lottery += 1
            taken[chosen] = 1
            indices.append(chosen)
            sources.append(source)
            if len(indices) == count:
                break
    return indices, sources


def priority_order(
    registrations: Sequence[Registration],
    *,
    method: Method,
    seed: int,
    columns: RegistrationColumns | None = None,
) -> PriorityOrder:
    """Rank every registration: tier by tier, places alternating in the method's cycle.

    ``columns`` is ``RegistrationColumns.of(registrations)`` when the caller has it already."""
    check_seed(seed)
    if columns is None:
        columns = RegistrationColumns.of(registrations)
    _check_tiers(registrations, columns.tiers, method)
    ids = columns.ids
    digests = _lottery_digests(seed, ids)
    prefixes = _digest_prefixes(digests)
    taken = bytearray(len(ids))
    cycle = method.cycle()
    indices: list[int] = []
    selected_by: list[SelectedBy] = []
    for tier in method.tier_numbers():
        members = np.flatnonzero(columns.tiers == tier)
        if members.size == 0:
            continue
        waiting = _waiting_order(members, columns.registered_on, columns.id_ranks)
        lottery = _lottery_order(members, prefixes, columns.id_ranks, digests, ids)
        tier_indices, tier_sources = _interleave(waiting, lottery, cycle, taken)
        indices.extend(tier_indices)
        selected_by.extend(tier_sources)
    return PriorityOrder(indices=indices, selected_by=selected_by)
