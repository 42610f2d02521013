"""The audit trail's hash chain: each entry carries the hash of the one before it.

``entry_hash = SHA-256(prev_hash + canonical JSON of the entry's fields)``. Changing, removing
or inserting an entry anywhere breaks the chain from that entry on; :func:`verify_chain`
names the first entry where it breaks. Publishing the head hash (``asilo audit verify``
prints it) also detects a rewrite of the whole chain.

Entries are chained in id order. Writers take a lock first (an advisory transaction lock on
PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already admits one writer at a time) so that the
entry read as "last" is the one the new entry follows. The lock is held until the
transaction ends, so every other audited write waits meanwhile: a transaction takes it as
late as it can, and once it holds it, its next entries neither ask for it again nor read the
last entry back (it is the one this transaction appended), which saves two round trips each.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from weakref import WeakKeyDictionary

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

#: The hash before the first entry.
GENESIS = "0" * 64
#: The advisory lock key of the chain (PostgreSQL): "audi" in ASCII.
LOCK_KEY = 0x61756469

#: The fields the hash covers, in this order (the id is assigned after the hash is made).
FIELDS = (
    "at",
    "actor_id",
    "actor_username",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "before",
    "after",
    "catalogue_version",
    "note",
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value


def entry_digest(values: dict[str, Any], prev_hash: str) -> str:
    """The hash of one entry (``values`` holds :data:`FIELDS`) after ``prev_hash``."""
    body = json.dumps(
        [_plain(values.get(name)) for name in FIELDS],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


class _Marker:
    """A callback that does nothing, added to the transaction's on-commit list to say
    something about the transaction (the lock is held; the last entry is ``head``) for as
    long as Django keeps it there. Django drops it when the transaction ends, and when a
    savepoint open when it was added is rolled back: exactly when PostgreSQL lets go of a
    lock taken at that point, or forgets a row written then."""

    __slots__ = ("head",)

    def __init__(self, head: str = "") -> None:
        self.head = head

    def __call__(self) -> None:
        return None


#: Per connection (each thread has its own): the marker of the lock, and of the last entry.
_locked: WeakKeyDictionary[BaseDatabaseWrapper, _Marker] = WeakKeyDictionary()
_appended: WeakKeyDictionary[BaseDatabaseWrapper, _Marker] = WeakKeyDictionary()


def _current(markers: WeakKeyDictionary[BaseDatabaseWrapper, _Marker]) -> _Marker | None:
    """This connection's marker, if its transaction still holds it (newest callbacks last)."""
    wrapper = connections[DEFAULT_DB_ALIAS]
    marker = markers.get(wrapper)
    if marker is None or not wrapper.in_atomic_block:
        return None
    # Django keeps ``(savepoint ids, callback, robust)``; the callback is second.
    if any(callback[1] is marker for callback in reversed(wrapper.run_on_commit)):
        return marker
    return None


def _mark(markers: WeakKeyDictionary[BaseDatabaseWrapper, _Marker], marker: _Marker) -> None:
    transaction.on_commit(marker)
    markers[connections[DEFAULT_DB_ALIAS]] = marker


def lock_chain() -> None:
    """Inside a transaction: wait until no other writer is appending (PostgreSQL); nothing to
    do when this transaction holds the lock already."""
    if connection.vendor != "postgresql" or _current(_locked) is not None:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
    if connection.in_atomic_block:
        _mark(_locked, _Marker())


def chain_head(read_last: Callable[[], str | None]) -> str:
    """The hash the next entry follows (call with the lock held, after :func:`lock_chain`):
    the last entry this transaction appended, when it has held the lock since and that entry
    is still part of it; else ``read_last()`` (the newest entry's hash, read after the lock
    was granted) or :data:`GENESIS`."""
    head = _current(_appended)
    if head is not None and _current(_locked) is not None:
        return head.head
    return read_last() or GENESIS


def appended(entry_hash: str) -> None:
    """The entry ``entry_hash`` was just written by this transaction, with the lock held."""
    if _current(_locked) is not None:
        _mark(_appended, _Marker(entry_hash))


@dataclass(frozen=True)
class Break:
    """Where the chain breaks: the entry, and why."""

    entry_id: int
    at: datetime | None
    reason: str


@dataclass(frozen=True)
class ChainReport:
    entries: int
    head: str
    first_break: Break | None


def verify_chain(rows: Iterable[dict[str, Any]]) -> ChainReport:
    """Check ``rows`` (every entry in id order, with ``id``, ``prev_hash``, ``entry_hash`` and
    :data:`FIELDS`); stop at the first break."""
    previous = GENESIS
    count = 0
    for row in rows:
        count += 1
        if row["prev_hash"] != previous:
            return ChainReport(
                count,
                previous,
                Break(
                    row["id"],
                    row.get("at"),
                    "it does not follow the entry before it (an entry was removed or inserted)",
                ),
            )
        if entry_digest(row, previous) != row["entry_hash"]:
            return ChainReport(
                count,
                previous,
                Break(row["id"], row.get("at"), "its content does not match its hash (changed)"),
            )
        previous = row["entry_hash"]
    return ChainReport(count, previous, None)
