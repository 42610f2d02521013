"""Override and family-exception reasons are free text about a person: encrypt them at rest.

One atomic migration: the columns become encrypted fields (still ``text`` in the database),
then every existing row is encrypted in place with the server's field key. Reversible: going
back decrypts the rows to plain text first. Both directions are idempotent (a row already in
the wanted form is left alone), so a partly migrated database finishes cleanly.
"""

from __future__ import annotations

from typing import Any

import encrypted_fields.fields
from cryptography.fernet import InvalidToken
from django.db import migrations

#: (model, column) pairs whose text is encrypted.
REASONS = (("override", "reason"), ("familyexception", "reason"))
BATCH = 500


def _rewrite(apps: Any, schema_editor: Any, *, encrypt: bool) -> None:
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    for model_name, column in REASONS:
        model = apps.get_model("encounters", model_name)
        fernet = model._meta.get_field(column).f
        table = quote(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id, {quote(column)} FROM {table} ORDER BY id")
            rows = cursor.fetchall()
        changes: list[tuple[str, int]] = []
        for pk, stored in rows:
            if stored is None:
                continue
            try:
                plain = fernet.decrypt(stored.encode("utf-8")).decode("utf-8")
            except (InvalidToken, ValueError):
                plain = None
            if encrypt and plain is None:
                changes.append((fernet.encrypt(stored.encode("utf-8")).decode("utf-8"), pk))
            elif not encrypt and plain is not None:
                changes.append((plain, pk))
        with connection.cursor() as cursor:
            for start in range(0, len(changes), BATCH):
                cursor.executemany(
                    f"UPDATE {table} SET {quote(column)} = %s WHERE id = %s",
                    changes[start : start + BATCH],
                )


def encrypt_reasons(apps: Any, schema_editor: Any) -> None:
    _rewrite(apps, schema_editor, encrypt=True)


def decrypt_reasons(apps: Any, schema_editor: Any) -> None:
    _rewrite(apps, schema_editor, encrypt=False)


class Migration(migrations.Migration):
    dependencies = [
        ("encounters", "0005_reunification_steps_and_staff_notifications"),
    ]

    operations = [
        migrations.AlterField(
            model_name="familyexception",
            name="reason",
            field=encrypted_fields.fields.EncryptedTextField(),
        ),
        migrations.AlterField(
            model_name="override",
            name="reason",
            field=encrypted_fields.fields.EncryptedTextField(),
        ),
        migrations.RunPython(encrypt_reasons, decrypt_reasons, elidable=False),
    ]
