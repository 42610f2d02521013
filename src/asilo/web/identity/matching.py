"""The stored identity records, in memory, for matching one new record at record time.

One :class:`~asilo.linkage.lookup.IndexedMatcher` per process holds every stored identity
record (decrypted and prepared in this process's memory only, indexed by blocking key; the
same answers as the linkage package's DuckDB ``Matcher``, in plain Python). A server builds it
when a worker starts (:func:`warm_up`, from the WSGI entry point, in a background thread), so
that no request pays for it; elsewhere it is built on first use. It is kept current: records
stored since (by this process or another) are added before each look-up, and only those are
read and decrypted; after a linkage run, or when the stored records are not the ones it holds
(a record removed), it is built again. A lock serialises look-ups.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Container
from dataclasses import dataclass

from django.conf import settings
from django.db import close_old_connections, connection
from django.db.models import Count, Max

from asilo.linkage.engine import Match
from asilo.linkage.lookup import IndexedMatcher
from asilo.web.identity import records
from asilo.web.identity.models import IdentityRecord, LinkRun, RunStatus, Source

logger = logging.getLogger(__name__)


def population() -> int:
    """The population asilo's records are taken to come from (the model's prior)."""
    return int(getattr(settings, "ASILO_IDENTITY_POPULATION", 100_000))


@dataclass(frozen=True)
class _Fingerprint:
    """What the stored records were: the last finished run, how many, the newest id (the
    primary key's index answers both counts; no column is read)."""

    run_id: int
    count: int
    max_id: int


def _fingerprint() -> _Fingerprint:
    agg = IdentityRecord.objects.aggregate(n=Count("id"), top=Max("id"))
    run = (
        LinkRun.objects.filter(status=RunStatus.DONE)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    return _Fingerprint(run or 0, agg["n"] or 0, agg["top"] or 0)


_Stored = list[tuple[str, int | None, int | None]]


def _stored_after(after_id: int) -> _Stored:
    """``(source, person_id, member_id)`` of the records stored after ``after_id``."""
    return list(
        IdentityRecord.objects.filter(pk__gt=after_id)
        .order_by("pk")
        .values_list("source", "person_id", "member_id")
    )


def _decrypted(stored: _Stored, known: Container[str] = ()) -> list[dict[str, str]]:
    """The records of ``stored``, decrypted, except those in ``known``."""
    person_ids = [
        p
        for s, p, _m in stored
        if s == Source.PERSON and p is not None and records.person_record_id(p) not in known
    ]
    member_ids = [
        m
        for s, _p, m in stored
        if s == Source.MEMBER and m is not None and records.member_record_id(m) not in known
    ]
    out = list(records.all_person_records(person_ids)) if person_ids else []
    if member_ids:
        out += list(records.all_member_records(member_ids))
    return out


class _Store:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.matcher: IndexedMatcher | None = None
        self.fingerprint: _Fingerprint | None = None

    def _build(self, now: _Fingerprint) -> None:
        self.matcher = None
        self.matcher = IndexedMatcher(_decrypted(_stored_after(0)), prior_records=population())
        self.fingerprint = now

    def current(self) -> IndexedMatcher:
        """The matcher, up to date with the stored records (call with the lock held)."""
        now = _fingerprint()
        held = self.fingerprint
        if self.matcher is None or held is None or now.run_id != held.run_id:
            self._build(now)
        elif now != held:
            # Only records added since (none removed): decrypt those this process lacks.
            stored = _stored_after(held.max_id) if now.max_id > held.max_id else None
            if stored is not None and len(stored) == now.count - held.count:
                for row in _decrypted(stored, self.matcher):
                    self.add(row)
                self.fingerprint = now
            else:
                self._build(now)
        assert self.matcher is not None
        return self.matcher

    def add(self, row: dict[str, str]) -> None:
        """A record stored by this process (call with the lock held)."""
        if self.matcher is None or row["record_id"] in self.matcher:
            return
        self.matcher.add(row)

    def forget(self) -> None:
        with self.lock:
            self.matcher = None
            self.fingerprint = None

    def warm(self) -> None:
        """Build the matcher now (a server's worker, at start), unless a look-up did."""
        with self.lock:
            self.current()


STORE = _Store()


def find(row: dict[str, str], *, threshold: float) -> list[Match]:
    """Stored records matching ``row`` at or above ``threshold``, best first (not itself)."""
    return find_many([row], threshold=threshold)[row["record_id"]]


def warm_up() -> threading.Thread:
    """Build this process's matcher in a background thread (a server's worker, at start), so
    that the first recording does not wait for every stored record to be decrypted; a
    look-up that comes first waits for it (the lock), then finds the records stored since.
    A failure is logged (its kind only) and the first look-up builds it instead."""

    def build() -> None:
        try:
            close_old_connections()
            STORE.warm()
        except Exception as exc:  # the first look-up builds it
            logger.warning("identity matcher warm-up failed: %s", type(exc).__name__)
        finally:
            connection.close()

    thread = threading.Thread(target=build, name="identity-matcher-warm-up", daemon=True)
    thread.start()
    return thread


def find_many(rows: list[dict[str, str]], *, threshold: float) -> dict[str, list[Match]]:
    """:func:`find` for several records (the matcher brought up to date once)."""
    out: dict[str, list[Match]] = {}
    if not rows:
        return out
    with STORE.lock:
        current = STORE.current()
        for row in rows:
            found = current.find(row, threshold=threshold)
            out[row["record_id"]] = [m for m in found if m.record_id != row["record_id"]]
    return out


def remember(row: dict[str, str]) -> None:
    """Add a newly stored record to this process's matcher at once (the next look-up's
    refresh skips it)."""
    with STORE.lock:
        STORE.add(row)
