"""Staff free text about a person, encrypted at rest: the field type, and the migration steps
that encrypt (or, going back, decrypt) the rows written before a column became encrypted, or
move free text kept in a JSON field into an encrypted note field.

A note on a review task, a supervisor's decision note, a reunification worker's closing note:
what staff write about a person is as sensitive as the person's names, so the database holds
it as a Fernet token (django-fernet-encrypted-fields, the keys of ``ASILO_SECRET_KEY`` and
``ASILO_FIELD_ENCRYPTION_SALT``). Such text is never filtered, ordered or searched in the
database. The same field keeps the text of an outbox message to a family (its registration's
number, a one-time code) until the message is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from cryptography.fernet import InvalidToken
from django.db import migrations
from django.db.migrations.operations.base import Operation

if TYPE_CHECKING:
    from django.db import models

    class EncryptedTextField(models.TextField[str, str]):
        """The library's field as the type checker sees it (the library has no type hints):
        the text field it extends, so that django-stubs types a model's note as ``str``."""

        def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any: ...
else:
    from encrypted_fields.fields import EncryptedTextField

#: Rows rewritten per ``executemany`` batch.
BATCH = 500


class EncryptedNoteField(EncryptedTextField):
    """Staff free text about a person, encrypted at rest (a ``text`` column).

    Unlike the library's ``EncryptedTextField``, an empty value is stored as ``""`` (the
    library writes NULL, which the ``NOT NULL`` column of a ``blank=True`` note refuses): an
    empty note says nothing about anyone, and reads back as ``""``.
    """

    def get_prep_value(self, value: Any) -> Any:
        if value == "":
            return ""
        return super().get_prep_value(value)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value == "":
            return ""
        return super().from_db_value(value, expression, connection)


def _plain(fernet: Any, stored: str) -> str | None:
    """The text a stored value encrypts, or None when it is not a token of these keys."""
    try:
        return str(fernet.decrypt(stored.encode("utf-8")).decode("utf-8"))
    except (InvalidToken, ValueError):
        return None


def rewrite_columns(
    apps: Any,
    schema_editor: Any,
    *,
    app_label: str,
    columns: Sequence[tuple[str, str]],
    encrypt: bool,
) -> None:
    """Encrypt (``encrypt=True``) or decrypt every stored value of the ``(model, field)``
    columns in place, with raw SQL (the ORM would encrypt or decrypt on the way). Idempotent:
    a value already in the wanted form, an empty one or NULL is left alone, so a database
    migrated part of the way finishes cleanly."""
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    for model_name, field_name in columns:
        model = apps.get_model(app_label, model_name)
        field = model._meta.get_field(field_name)
        table, column = quote(model._meta.db_table), quote(field.column)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, {column} FROM {table} ORDER BY id")
            rows = cursor.fetchall()
        changes: list[tuple[str, int]] = []
        for pk, stored in rows:
            if not stored:
                continue
            plain = _plain(field.f, stored)
            if encrypt and plain is None:
                changes.append((field.f.encrypt(stored.encode("utf-8")).decode("utf-8"), pk))
            elif not encrypt and plain is not None:
                changes.append((plain, pk))
        with connection.cursor() as cursor:
            for start in range(0, len(changes), BATCH):
                cursor.executemany(
                    f"UPDATE {table} SET {column} = %s WHERE id = %s",
                    changes[start : start + BATCH],
                )


def encrypt_columns(
    app_label: str, columns: Sequence[tuple[str, str, EncryptedNoteField]]
) -> list[Operation]:
    """The operations of a migration that makes ``(model, field, new field)`` text columns
    encrypted notes: each column altered (still ``text`` in the database), then the rows
    written before encrypted in place; reversed, the rows are decrypted back to plain text
    before the columns go back."""
    named = tuple((model, name) for model, name, _ in columns)
    return [
        *(
            migrations.AlterField(model_name=model, name=name, field=field)
            for model, name, field in columns
        ),
        migrations.RunPython(
            partial(rewrite_columns, app_label=app_label, columns=named, encrypt=True),
            partial(rewrite_columns, app_label=app_label, columns=named, encrypt=False),
            elidable=True,
        ),
    ]


def move_key_into_note(
    apps: Any,
    schema_editor: Any,
    *,
    app_label: str,
    model_name: str,
    json_field: str,
    key: str,
    note_field: str,
    forward: bool,
) -> None:
    """Move the free text kept under ``key`` of a JSON field into an encrypted note field
    (``forward=True``; the key leaves the JSON), or back into the JSON (the note emptied).
    Through the migration's model, so the note field encrypts and decrypts on the way.
    Idempotent: a row without the key (forward) or without a note (back) is left alone."""
    model = apps.get_model(app_label, model_name)
    rows = model.objects.using(schema_editor.connection.alias).order_by("pk")
    if forward:
        rows = rows.filter(**{f"{json_field}__has_key": key})
    else:
        rows = rows.exclude(**{note_field: ""})
    changed = []
    for row in rows.only("pk", json_field, note_field).iterator(chunk_size=BATCH):
        data = dict(getattr(row, json_field) or {})
        if forward:
            text = data.pop(key)
            if text and not getattr(row, note_field):
                setattr(row, note_field, str(text))
        else:
            data[key] = getattr(row, note_field)
            setattr(row, note_field, "")
        setattr(row, json_field, data)
        changed.append(row)
    model.objects.using(schema_editor.connection.alias).bulk_update(
        changed, [json_field, note_field], batch_size=BATCH
    )


def move_into_note(
    *, app_label: str, model_name: str, json_field: str, key: str, note_field: str
) -> Operation:
    """The operation of a migration that moves the free text under ``key`` of ``json_field``
    into the encrypted ``note_field`` (added by an earlier operation); reversed, it puts the
    text back under ``key``."""
    where = {
        "app_label": app_label,
        "model_name": model_name,
        "json_field": json_field,
        "key": key,
        "note_field": note_field,
    }
    return migrations.RunPython(
        partial(move_key_into_note, forward=True, **where),
        partial(move_key_into_note, forward=False, **where),
        elidable=True,
    )
