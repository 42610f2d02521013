"""The audit chain's lock and head within one transaction: a transaction that holds the lock
asks for it once and reads the last entry once, and a savepoint rolled back (which lets go of
the lock and of the entries written under it) leaves the next entry chained to the right one."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from asilo.web.accounts.models import User
from asilo.web.audit.models import AuditEntry
from asilo.web.audit.selectors import audit_chain_report
from asilo.web.audit.services import audit_record


class _Undone(Exception):
    """Raised inside a savepoint to roll it back."""


def _entry(actor: User, n: int) -> AuditEntry:
    return audit_record(actor=actor, action="view", object_type="people.person", object_id=n)


def _last_hash() -> str:
    last = AuditEntry.objects.order_by("-id").first()
    assert last is not None
    return last.entry_hash


@pytest.mark.django_db
def test_an_entry_after_a_rolled_back_savepoint_follows_the_last_kept_one(
    make_user: Callable[..., User],
) -> None:
    officer = make_user("officer")
    with transaction.atomic():
        kept = _entry(officer, 1)
        with pytest.raises(_Undone), transaction.atomic():
            _entry(officer, 2)
            _entry(officer, 3)
            raise _Undone
        after = _entry(officer, 4)
        assert after.prev_hash == kept.entry_hash
        assert _entry(officer, 5).prev_hash == after.entry_hash
    report = audit_chain_report()
    assert report.first_break is None
    assert report.head == _last_hash()


@pytest.mark.django_db(transaction=True)
def test_a_savepoint_that_took_the_lock_first_and_was_rolled_back(
    make_user: Callable[..., User],
) -> None:
    """The lock was first taken inside the savepoint: rolling it back lets go of the lock
    (PostgreSQL), so the next entry asks for it again and reads the last entry again."""
    officer = make_user("officer")
    before = _entry(officer, 1)
    with transaction.atomic():
        with pytest.raises(_Undone), transaction.atomic():
            _entry(officer, 2)
            raise _Undone
        with CaptureQueriesContext(connection) as queries:
            after = _entry(officer, 3)
        assert after.prev_hash == before.entry_hash
        if connection.vendor == "postgresql":
            statements = [q["sql"] for q in queries.captured_queries]
            assert sum("pg_advisory_xact_lock" in sql for sql in statements) == 1
            assert sum('SELECT "audit_auditentry"."entry_hash"' in sql for sql in statements) == 1
    assert audit_chain_report().first_break is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_transaction_asks_for_the_lock_and_reads_the_last_entry_once(
    make_user: Callable[..., User],
) -> None:
    officer = make_user("officer")
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        entries = [_entry(officer, n) for n in range(3)]
    statements = [q["sql"] for q in queries.captured_queries]
    assert sum("pg_advisory_xact_lock" in sql for sql in statements) == 1
    assert sum('SELECT "audit_auditentry"."entry_hash"' in sql for sql in statements) == 1
    assert [e.prev_hash for e in entries[1:]] == [e.entry_hash for e in entries[:-1]]
    # A new transaction asks again: the lock went with the last one.
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        _entry(officer, 4)
    statements = [q["sql"] for q in queries.captured_queries]
    assert sum("pg_advisory_xact_lock" in sql for sql in statements) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_writers_of_several_entries_each_with_savepoints_keep_one_chain(
    make_user: Callable[..., User],
) -> None:
    """Threads (each its own connection) write transactions of several entries, some in
    savepoints rolled back, at once: one unbroken chain, every kept entry in it."""
    officer = make_user("officer")
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(8):
                with transaction.atomic():
                    _entry(officer, n * 100 + i)
                    with pytest.raises(_Undone), transaction.atomic():
                        _entry(officer, -1)
                        raise _Undone
                    _entry(officer, n * 100 + i)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = audit_chain_report()
    assert report.first_break is None
    assert AuditEntry.objects.filter(object_id="-1").count() == 0
    assert AuditEntry.objects.filter(object_type="people.person").count() == 4 * 8 * 2
