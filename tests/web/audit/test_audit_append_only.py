"""Issue 11, finding 5: the audit trail could be changed (5 of 10 ways worked: queryset
``update()``, ``bulk_update``, raw SQL...), with no database protection and no hash chain.

Now the database refuses UPDATE and DELETE, each entry carries the previous entry's hash, and
``asilo audit verify`` names the first broken entry."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from typer.testing import CliRunner

from asilo.cli.main import app
from asilo.web.accounts.models import User
from asilo.web.audit.chain import GENESIS
from asilo.web.audit.models import AppendOnlyError, AuditEntry
from asilo.web.audit.selectors import audit_chain_report, audit_triggers_present
from asilo.web.audit.services import audit_record
from asilo.web.audit.triggers import drop_sql

pytestmark = pytest.mark.django_db

REFUSED = (AppendOnlyError, DatabaseError)


def _table() -> str:
    return connection.ops.quote_name(AuditEntry._meta.db_table)


def _ways(entry: AuditEntry) -> dict[str, Callable[[], Any]]:
    table = _table()

    def save_again() -> None:
        entry.note = "changed"
        entry.save()

    def force_update() -> None:
        entry.note = "changed"
        super(AuditEntry, entry).save(force_update=True)

    def model_delete() -> None:
        entry.delete()

    def base_delete() -> None:
        AuditEntry._base_manager.filter(pk=entry.pk).delete()

    def raw_update() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET note = 'changed' WHERE id = %s", [entry.pk])

    def raw_delete() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [entry.pk])

    def raw_delete_queryset() -> None:
        AuditEntry._base_manager.filter(pk=entry.pk)._raw_delete(connection.alias)

    def base_update() -> None:
        AuditEntry._base_manager.filter(pk=entry.pk).update(note="changed")

    return {
        "queryset update()": lambda: AuditEntry.objects.filter(pk=entry.pk).update(note="x"),
        "bulk_update": lambda: AuditEntry.objects.bulk_update([entry], ["note"]),
        "queryset delete()": lambda: AuditEntry.objects.filter(pk=entry.pk).delete(),
        "save() again": save_again,
        "Model.save(force_update) bypassing ours": force_update,
        "delete()": model_delete,
        "base manager update()": base_update,
        "base manager delete()": base_delete,
        "_raw_delete": raw_delete_queryset,
        "raw SQL UPDATE": raw_update,
        "raw SQL DELETE": raw_delete,
    }


def test_no_way_changes_or_deletes_an_entry(make_user: Callable[..., User]) -> None:
    officer = make_user("officer")
    entry = audit_record(actor=officer, action="view", object_type="people.person", object_id=1)
    ways = _ways(entry)
    assert len(ways) >= 10
    worked = []
    for name, attempt in ways.items():
        try:
            with transaction.atomic():
                attempt()
        except REFUSED:
            continue
        worked.append(name)
    assert worked == []
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.note == "" and stored.entry_hash == entry.entry_hash


def test_every_entry_carries_the_hash_of_the_one_before(make_user: Callable[..., User]) -> None:
    officer = make_user("officer")
    entries = [
        audit_record(
            actor=officer,
            action="view",
            object_type="people.person",
            object_id=i,
            after={"b": [1, 2], "a": "ñ"},
        )
        for i in range(5)
    ]
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.entry_hash
    first = AuditEntry.objects.order_by("id").first()
    assert first is not None and first.prev_hash == GENESIS
    report = audit_chain_report()
    assert report.first_break is None
    assert report.head == entries[-1].entry_hash
    assert audit_triggers_present()


def _without_triggers(statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in drop_sql(connection.vendor):
            cursor.execute(sql)
        for sql in statements:
            cursor.execute(sql)


def test_verify_names_the_first_changed_entry(make_user: Callable[..., User]) -> None:
    officer = make_user("officer")
    entries = [
        audit_record(actor=officer, action="view", object_type="people.person", object_id=i)
        for i in range(6)
    ]
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "intact" in ok.output and entries[-1].entry_hash in ok.output
    # Someone with the database's owner rights drops the triggers and edits entry 3.
    target = entries[2]
    _without_triggers([f"UPDATE {_table()} SET object_id = '999' WHERE id = {target.pk}"])
    broken = runner.invoke(app, ["audit", "verify"])
    assert broken.exit_code == 1
    assert f"entry {target.pk}" in broken.output and "changed" in broken.output


def test_verify_names_the_entry_after_a_removed_one(make_user: Callable[..., User]) -> None:
    officer = make_user("officer")
    entries = [
        audit_record(actor=officer, action="view", object_type="people.person", object_id=i)
        for i in range(4)
    ]
    _without_triggers([f"DELETE FROM {_table()} WHERE id = {entries[1].pk}"])
    report = audit_chain_report()
    assert report.first_break is not None
    assert report.first_break.entry_id == entries[2].pk
    assert "removed" in report.first_break.reason
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 1 and f"entry {entries[2].pk}" in result.output


def test_verify_reports_missing_triggers(make_user: Callable[..., User]) -> None:
    audit_record(actor=make_user("officer"), action="view", object_type="people.person")
    _without_triggers([])
    assert not audit_triggers_present()
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 1 and "triggers" in result.output


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_chain(make_user: Callable[..., User]) -> None:
    """Writers in several threads (each its own connection) append to one unbroken chain."""
    import threading

    from django.db import connections

    officer = make_user("officer")
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(15):
                with transaction.atomic():
                    audit_record(actor=officer, action="view", object_type="t", object_id=n * i)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    report = audit_chain_report()
    assert report.first_break is None and report.entries >= 60
