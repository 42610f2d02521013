"""The squashed migrations: each app starts with one, naming the migrations it replaces.

A database migrated before the squash (``data/before_squash.sqlite.sql``: the schema and the
``django_migrations`` rows that main's migrations wrote, up to accounts 0003, appointments
0003, audit 0004, encounters 0006, people 0002, reference 0002 and registrations 0008) is
recognised by today's graph: it needs only the migrations written after the squash, and then
has the same tables, columns, constraints, indexes and triggers as a fresh database.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

BEFORE_SQUASH = Path(__file__).parent / "data" / "before_squash.sqlite.sql"
ALIAS = "before_squash"
OUR_APPS = (
    "accounts",
    "appointments",
    "audit",
    "encounters",
    "identity",
    "people",
    "reference",
    "registrations",
)


def _our_migrations(loader: MigrationLoader) -> dict[str, list[str]]:
    names: dict[str, list[str]] = {app: [] for app in OUR_APPS}
    for app, name in loader.disk_migrations:
        if app in names:
            names[app].append(name)
    return {app: sorted(found) for app, found in names.items()}


#: Each app's first migration: the squash of what it had before (identity had one already).
FIRST = {
    "accounts": ["0001_squashed_0003_token_expiry"],
    "appointments": ["0001_squashed_0003_contact_code_message"],
    "audit": ["0001_squashed_0004_alter_auditentry_action"],
    "encounters": ["0001_squashed_0006_reasons_encrypted_at_rest"],
    "identity": ["0001_initial"],
    "people": ["0001_squashed_0002_name_index_core_digest"],
    "reference": ["0001_squashed_0002_seed_places"],
    "registrations": ["0001_squashed_0008_shared_device_and_network"],
}


def _after_the_squash(loader: MigrationLoader) -> set[tuple[str, str]]:
    return {
        (app, name)
        for app, names in _our_migrations(loader).items()
        for name in names
        if not name.startswith("0001_")
    }


def test_each_app_starts_with_one_squash_naming_what_it_replaces() -> None:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    found = _our_migrations(loader)
    assert {app: names[:1] for app, names in found.items()} == FIRST
    assert all(not name.startswith("0001_") for app, names in found.items() for name in names[1:])
    for (app, name), migration in loader.disk_migrations.items():
        if "_squashed_" in name and app in OUR_APPS:
            last = name.split("_squashed_")[1]
            replaced = [n for a, n in migration.replaces]
            assert replaced[0] == "0001_initial" and replaced[-1] == last, (app, replaced)
            assert {a for a, n in migration.replaces} == {app}


def _split_top_level(body: str) -> list[str]:
    """The comma-separated items of a CREATE TABLE body, ignoring commas inside parentheses
    and quotes (a CHECK clause has both)."""
    items, depth, quote, start = [], 0, "", 0
    for i, char in enumerate(body):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            items.append(body[start:i].strip())
            start = i + 1
    items.append(body[start:].strip())
    return items


def _sqlite_schema(db: Any) -> dict[tuple[str, str], Any]:
    """Every table (as the set of its column and constraint definitions: the squash lays
    columns out in the models' order, not the order they were added in), index and trigger."""
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT type, name, sql FROM sqlite_master "
            "WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'"
        )
        rows = cursor.fetchall()
    schema: dict[tuple[str, str], Any] = {}
    for kind, name, sql in rows:
        text = re.sub(r"\s+", " ", sql).strip()
        if kind == "table":
            head, _, body = text.partition("(")
            schema[(kind, name)] = (head.strip(), frozenset(_split_top_level(body[:-1])))
        else:
            schema[(kind, name)] = text
    return schema


@pytest.fixture
def migrated_before_squash(tmp_path: Path, django_db_blocker: Any) -> Iterator[Any]:
    """A second database, an SQLite file laid out as before the squash (whatever the test
    database is), registered under its own alias: the migration recorder reads and writes
    ``django_migrations`` through the alias of the connection it is given."""
    path = tmp_path / "before_squash.sqlite3"
    raw = sqlite3.connect(path)
    raw.executescript(BEFORE_SQUASH.read_text(encoding="utf-8"))
    raw.close()
    settings_dict = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path)}
    # configure_settings fills in Django's defaults (it wants the one alias called default).
    connections.settings[ALIAS] = connections.configure_settings({"default": settings_dict})[
        "default"
    ]
    db = connections[ALIAS]
    try:
        with django_db_blocker.unblock():
            yield db
    finally:
        db.close()
        del connections[ALIAS]
        del connections.settings[ALIAS]


def test_a_database_migrated_before_the_squash_needs_only_what_came_after_it(
    migrated_before_squash: Any,
) -> None:
    executor = MigrationExecutor(migrated_before_squash)
    leaves = executor.loader.graph.leaf_nodes()
    assert executor.loader.connection.alias == ALIAS
    applied = executor.loader.applied_migrations
    for app, names in _our_migrations(executor.loader).items():
        assert (app, names[0]) in applied, app
    # The squashes count as applied because every migration they replace is recorded there.
    recorded = MigrationRecorder(migrated_before_squash).applied_migrations()
    assert ("registrations", "0001_squashed_0008_shared_device_and_network") not in recorded
    assert ("registrations", "0008_shared_device_and_network") in recorded
    plan = {(m.app_label, m.name) for m, _ in executor.migration_plan(leaves)}
    assert {key for key in plan if key[0] in OUR_APPS} == _after_the_squash(executor.loader)
    # `migrate` records each squash as applied (its old rows stay) and applies the rest.
    executor.migrate(leaves)
    recorded = MigrationRecorder(migrated_before_squash).applied_migrations()
    assert ("registrations", "0001_squashed_0008_shared_device_and_network") in recorded
    assert ("registrations", "0004_status_lifecycle") in recorded
    assert MigrationExecutor(migrated_before_squash).migration_plan(leaves) == []


@pytest.mark.django_db
def test_the_squashed_migrations_build_the_schema_from_before_the_squash(
    migrated_before_squash: Any,
) -> None:
    """The test database, built from the squashed migrations (and those after them), has the
    same tables, columns, constraints, indexes and triggers as the database from before the
    squash brought up to date."""
    if connection.vendor != "sqlite":
        pytest.skip("the database from before the squash is kept as an SQLite file")
    executor = MigrationExecutor(migrated_before_squash)
    executor.migrate(executor.loader.graph.leaf_nodes())
    before = _sqlite_schema(migrated_before_squash)
    # The cache table comes from `createcachetable` (run by the tests), not from a migration.
    fresh = {k: v for k, v in _sqlite_schema(connection).items() if "asilo_cache" not in k[1]}
    assert sorted(fresh) == sorted(before)
    for key in sorted(fresh):
        assert fresh[key] == before[key], key


@pytest.mark.django_db
def test_a_fresh_database_has_the_seeds_and_the_audit_triggers() -> None:
    """What the squash keeps besides the schema: the places, the default programs, the
    append-only triggers."""
    from asilo.web.audit.selectors import audit_triggers_present
    from asilo.web.reference.models import FieldOffice, PortOfEntry, Sector
    from asilo.web.registrations.models import Program

    assert Sector.objects.filter(abbreviation="RGV").exists()
    assert FieldOffice.objects.exists()
    assert PortOfEntry.objects.filter(name="San Ysidro").exists()
    assert set(Program.objects.values_list("code", flat=True)) >= {
        "mpp-wind-down-2021",
        "port-appointments-2023",
    }
    assert audit_triggers_present()
