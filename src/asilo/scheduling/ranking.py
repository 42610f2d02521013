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


def interleave_in_chunks(
    waiting: Indices,
    lottery: Indices,
    cycle: tuple[SelectedBy, ...],
    taken: bytearray,
    *,
    chunk: int = 4096,
    tail: int = 1024,
) -> Indices:
    """The order :func:`_interleave` gives (its ``indices``, as an array), computed a chunk of
    places at a time with numpy; ``taken`` is updated the same way.

    In a chunk of places, each longest-waiting place takes the next family of the waiting order
    not yet taken, and each lottery place the next one of the lottery order, exactly as
    ``_interleave`` fills them one by one, until the first place that would take a family the
    other source also wants in this chunk: only there do the two sources compete. The chunk's
    places before it are filled at once (whole cycles), and a cycle that starts with such a
    competition is filled one by one with ``_interleave``'s steps. Chunks hold about twice the
    square root of the places left (competitions are rare in shorter ones); the last ``tail``
    places of the tier are filled one by one.
    """
    count = int(waiting.size)
    per_cycle = len(cycle)
    is_waiting = np.array([source is SelectedBy.LONGEST_WAITING for source in cycle])
    taken_view = np.frombuffer(taken, dtype=np.uint8)
    if is_waiting.all() or not is_waiting.any():  # one source: its order as it is
        order = waiting if is_waiting.all() else lottery
        taken_view[order] = 1
        return order.astype(np.intp, copy=True)
    pieces: list[Indices] = []
    done = next_waiting = next_lottery = 0
    largest = max(per_cycle, chunk - chunk % per_cycle)
    all_slots = np.resize(is_waiting, largest)  # the places' sources, cycle after cycle
    all_waiting_places = np.flatnonzero(all_slots)
    all_lottery_places = np.flatnonzero(~all_slots)
    # For each family the lottery is about to take: 1 + its place among those families.
    wanted_by_lottery = np.zeros(taken_view.size, dtype=np.int64)
    while (left := count - done - max(tail, 0)) >= per_cycle:
        places = min(left, largest, max(per_cycle, 2 * int(left**0.5)))
        places -= places % per_cycle
        slots = all_slots[:places]
        waiting_places = all_waiting_places[: int(np.searchsorted(all_waiting_places, places))]
        lottery_places = all_lottery_places[: int(np.searchsorted(all_lottery_places, places))]
        w_at, w_take = _next_free(waiting, next_waiting, waiting_places.size, taken_view)
        l_at, l_take = _next_free(lottery, next_lottery, lottery_places.size, taken_view)
        # The first place where the sources may compete (or where one runs short).
        first = places
        wanted_by_lottery[l_take] = np.arange(1, l_take.size + 1)
        both = wanted_by_lottery[w_take]
        wanted_by_lottery[l_take] = 0
        in_w = np.flatnonzero(both)
        if in_w.size:
            in_l = both[in_w] - 1
            first = min(int(waiting_places[in_w[0]]), int(lottery_places[in_l.min()]))
        if w_take.size < waiting_places.size:
            first = min(first, int(waiting_places[w_take.size]))
        if l_take.size < lottery_places.size:
            first = min(first, int(lottery_places[l_take.size]))
        first -= first % per_cycle
        if first == 0:
            picked, next_waiting, next_lottery = _one_by_one(
                waiting, lottery, cycle, taken, next_waiting, next_lottery, per_cycle
            )
            pieces.append(picked)
            done += per_cycle
            continue
        from_waiting = int(slots[:first].sum())
        from_lottery = first - from_waiting
        filled = np.empty(first, dtype=np.intp)
        filled[slots[:first]] = w_take[:from_waiting]
        filled[~slots[:first]] = l_take[:from_lottery]
        taken_view[filled] = 1
        pieces.append(filled)
        done += first
        if from_waiting:
            next_waiting = int(w_at[from_waiting - 1]) + 1
        if from_lottery:
            next_lottery = int(l_at[from_lottery - 1]) + 1
    picked, _, _ = _one_by_one(
        waiting, lottery, cycle, taken, next_waiting, next_lottery, count - done
    )
    pieces.append(picked)
    return np.concatenate(pieces)


def _next_free(
    order: Indices, start: int, wanted: int, taken_view: npt.NDArray[np.uint8]
) -> tuple[Indices, Indices]:
    """The next ``wanted`` families of ``order`` from ``start`` that are not taken (fewer at
    the end): their positions in ``order``, and the families."""
    if wanted == 0:
        return order[:0], order[:0]
    window = 2 * wanted + 64
    while True:
        candidates = order[start : start + window]
        free = np.flatnonzero(taken_view[candidates] == 0)
        if free.size >= wanted or start + window >= order.size:
            free = free[:wanted]
            return free + start, candidates[free]
        window *= 2


def _one_by_one(
    waiting: Indices,
    lottery: Indices,
    cycle: tuple[SelectedBy, ...],
    taken: bytearray,
    next_waiting: int,
    next_lottery: int,
    places: int,
) -> tuple[Indices, int, int]:
    """Fill ``places`` places (whole cycles, or the last places of the tier) one by one, as
    :func:`_interleave` does; returns the families taken and the two sources' next
    positions."""
    longest_waiting = SelectedBy.LONGEST_WAITING
    result: list[int] = []
    end = places
    while len(result) < end:
        for source in cycle:
            if source is longest_waiting:
                while taken[waiting[next_waiting]]:
                    next_waiting += 1
                chosen = int(waiting[next_waiting])
                next_waiting += 1
            else:
                while taken[lottery[next_lottery]]:
                    next_lottery += 1
                chosen = int(lottery[next_lottery])
                next_lottery += 1
            taken[chosen] = 1
            result.append(chosen)
            if len(result) == end:
                break
    return np.array(result, dtype=np.intp), next_waiting, next_lottery
