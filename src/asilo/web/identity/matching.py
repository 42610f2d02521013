"""The stored identity records, in memory, for matching one new record at record time.

One :class:`~asilo.linkage.engine.Matcher` per process holds every stored identity record
(decrypted, in an in-memory DuckDB database that never writes a temporary file). It is built
on first use and kept current: records stored since (by this process or another) are added
before each look-up; after a linkage run, or when the stored records are not the ones it
holds (a record removed), it is built again. A lock serialises look-ups (one DuckDB
connection per process).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Max

from asilo.linkage import memory
from asilo.linkage.engine import Match, Matcher
from asilo.web.identity import records
from asilo.web.identity.models import IdentityRecord, LinkRun, RunStatus, Source


def population() -> int:
    """The population asilo's records are taken to come from (the model's prior)."""
    return int(getattr(settings, "ASILO_IDENTITY_POPULATION", 100_000))


@dataclass(frozen=True)
class _Fingerprint:
    run_id: int
    count: int
    max_id: int
    last_added: datetime | None


def _fingerprint() -> _Fingerprint:
    agg = IdentityRecord.objects.aggregate(n=Count("id"), top=Max("id"), last=Max("added_at"))
    run = (
        LinkRun.objects.filter(status=RunStatus.DONE)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    return _Fingerprint(run or 0, agg["n"] or 0, agg["top"] or 0, agg["last"])


def _records_after(after_id: int) -> list[dict[str, str]]:
    stored = list(
        IdentityRecord.objects.filter(pk__gt=after_id)
        .order_by("pk")
        .values_list("source", "person_id", "member_id")
    )
    person_ids = [p for s, p, _m in stored if s == Source.PERSON and p is not None]
    member_ids = [m for s, _p, m in stored if s == Source.MEMBER and m is not None]
    out = list(records.all_person_records(person_ids)) if person_ids else []
    if member_ids:
        out += list(records.all_member_records(member_ids))
    return out


class _Store:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.matcher: Matcher | None = None
        self.fingerprint: _Fingerprint | None = None
        self.record_ids: set[str] = set()

    def _build(self, now: _Fingerprint) -> None:
        if self.matcher is not None:
            self.matcher.con.close()
        con = memory.connect()
        rows = _records_after(0)
        memory.load_records(con, rows)
        self.matcher = memory.matcher(con, prior_records=population())
        self.record_ids = {r["record_id"] for r in rows}
        self.fingerprint = now

    def current(self) -> Matcher:
        """The matcher, up to date with the stored records (call with the lock held)."""
        now = _fingerprint()
        held = self.fingerprint
        if self.matcher is None or held is None or now.run_id != held.run_id:
            self._build(now)
        elif now != held:
            fresh = now.count - held.count
            if (
                now.max_id > held.max_id
                and fresh == IdentityRecord.objects.filter(pk__gt=held.max_id).count()
            ):
                self.add_many(_records_after(held.max_id))
                self.fingerprint = now
            else:
                self._build(now)
        assert self.matcher is not None
        return self.matcher

    def add(self, row: dict[str, str]) -> None:
        """A record stored by this process (call with the lock held)."""
        self.add_many([row])

    def add_many(self, rows: list[dict[str, str]]) -> None:
        """Records stored by this or another process, added in one insert (lock held)."""
        if self.matcher is None:
            return
        fresh: dict[str, dict[str, str]] = {}
        for row in rows:
            if row["record_id"] not in self.record_ids:
                fresh.setdefault(row["record_id"], row)
        memory.matcher_add_many(self.matcher, list(fresh.values()))
        self.record_ids.update(fresh)

    def forget(self) -> None:
        with self.lock:
            if self.matcher is not None:
                self.matcher.con.close()
            self.matcher = None
            self.fingerprint = None
            self.record_ids = set()


STORE = _Store()


def find(row: dict[str, str], *, threshold: float) -> list[Match]:
    """Stored records matching ``row`` at or above ``threshold``, best first (not itself)."""
    return find_many([row], threshold=threshold)[row["record_id"]]


def find_many(rows: list[dict[str, str]], *, threshold: float) -> dict[str, list[Match]]:
    """:func:`find` for several records (the matcher brought up to date once)."""
    out: dict[str, list[Match]] = {}
    if not rows:
        return out
    with STORE.lock:
        current = STORE.current()
        # One look-up for a family or an encounter's people (answers as one at a time).
        for row, found in zip(rows, current.find_many(rows, threshold=threshold), strict=True):
            out[row["record_id"]] = [m for m in found if m.record_id != row["record_id"]]
    return out


def remember(row: dict[str, str]) -> None:
    """Add a newly stored record to this process's matcher at once (the next look-up's
    refresh skips it)."""
    remember_many([row])


def remember_many(rows: list[dict[str, str]]) -> None:
    """:func:`remember` for a family's or an encounter's records, added together."""
    with STORE.lock:
        STORE.add_many(rows)
