"""The audit trail's hash chain: each entry carries the hash of the one before it.

``entry_hash = SHA-256(prev_hash + canonical JSON of the entry's fields)``. Changing, removing
or inserting an entry anywhere breaks the chain from that entry on; :func:`verify_chain`
names the first entry where it breaks. Publishing the head hash (``asilo audit verify``
prints it) also detects a rewrite of the whole chain.

Entries are chained in id order. Writers take a lock first (an advisory transaction lock on
PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already admits one writer at a time) so that the
entry read as "last" is the one the new entry follows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection

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


def lock_chain() -> None:
    """Inside a transaction: wait until no other writer is appending (PostgreSQL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


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
