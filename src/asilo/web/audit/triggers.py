"""Database triggers that refuse UPDATE and DELETE (and TRUNCATE) on the audit trail, for
SQLite and PostgreSQL: no path through the ORM, bulk updates or raw SQL can change it."""

from __future__ import annotations

from typing import Any

from django.db.backends.base.schema import BaseDatabaseSchemaEditor

TABLE = "audit_auditentry"
MESSAGE = "audit entries are append-only"

_SQLITE_CREATE = [
    f"CREATE TRIGGER IF NOT EXISTS audit_entry_no_update BEFORE UPDATE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
    f"CREATE TRIGGER IF NOT EXISTS audit_entry_no_delete BEFORE DELETE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;",
]
_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_entry_no_update;",
    "DROP TRIGGER IF EXISTS audit_entry_no_delete;",
]
_PG_CREATE = [
    "CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation'; END; $$;",
    f"CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();",
    f"CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON {TABLE} "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only();",
]
_PG_DROP = [
    f"DROP TRIGGER IF EXISTS audit_entry_no_change ON {TABLE};",
    f"DROP TRIGGER IF EXISTS audit_entry_no_truncate ON {TABLE};",
]


def create_sql(vendor: str) -> list[str]:
    if vendor == "sqlite":
        return list(_SQLITE_CREATE)
    if vendor == "postgresql":
        return list(_PG_CREATE)
    raise NotImplementedError(f"append-only triggers for {vendor}")


def drop_sql(vendor: str) -> list[str]:
    """Only for emptying a whole test database (``flush``): never in the application."""
    if vendor == "sqlite":
        return list(_SQLITE_DROP)
    if vendor == "postgresql":
        return list(_PG_DROP)
    raise NotImplementedError(f"append-only triggers for {vendor}")


def install(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """The audit app's migration step that creates the triggers (``RunPython``)."""
    for statement in create_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def uninstall(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Its reverse: only when the audit app's migrations are unapplied."""
    for statement in drop_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)
