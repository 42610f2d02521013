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
Nothing is added to the transaction: what is known is tied to Django's on-commit list of the
transaction (see :class:`_Held`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from weakref import WeakKeyDictionary

from django.db import DEFAULT_DB_ALIAS, connection, connections
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


@dataclass
class _Held:
    """What this connection knows of its transaction: it holds the lock, and the last entry
    is ``head`` (one this transaction appended), for as long as the transaction's on-commit
    list is ``hooks``. Django puts a new list in its place when the transaction commits or
    rolls back and when any savepoint is rolled back, so a list that is still the same means
    that nothing the lock or the entry went with was undone (a savepoint rolled back that
    was opened after them forgets them too: the lock is asked for and the entry read again,
    which is always right)."""

    hooks: list[Any]
    head: str | None = None


#: Per connection (each thread has its own).
_held: WeakKeyDictionary[BaseDatabaseWrapper, _Held] = WeakKeyDictionary()


def _current() -> _Held | None:
    """What this connection knows, if its transaction is still the one it was learnt in."""
    wrapper = connections[DEFAULT_DB_ALIAS]
    held = _held.get(wrapper)
    if held is None or not wrapper.in_atomic_block or held.hooks is not wrapper.run_on_commit:
        return None
    return held


def lock_chain() -> None:
    """Inside a transaction: wait until no other writer is appending (PostgreSQL); nothing to
    do when this transaction holds the lock already."""
    if connection.vendor != "postgresql" or _current() is not None:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
    wrapper = connections[DEFAULT_DB_ALIAS]
    if wrapper.in_atomic_block:
        _held[wrapper] = _Held(wrapper.run_on_commit)


def chain_head(read_last: Callable[[], str | None]) -> str:
    """The hash the next entry follows (call with the lock held, after :func:`lock_chain`):
    the last entry this transaction appended, when it has held the lock since and nothing
    was rolled back; else ``read_last()`` (the newest entry's hash, read after the lock was
    granted) or :data:`GENESIS`."""
    held = _current()
    if held is not None and held.head is not None:
        return held.head
    return read_last() or GENESIS


def appended(entry_hash: str) -> None:
    """The entry ``entry_hash`` was just written by this transaction, with the lock held."""
    held = _current()
    if held is not None:
        held.head = entry_hash


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
