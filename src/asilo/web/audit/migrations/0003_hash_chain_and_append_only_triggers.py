"""The hash chain (each entry carries the previous entry's hash) and the database triggers
that refuse UPDATE and DELETE on the audit trail."""

from django.db import migrations, models

from asilo.web.audit.chain import FIELDS, GENESIS, entry_digest
from asilo.web.audit.triggers import create_sql, drop_sql


def chain_existing(apps, schema_editor):
    AuditEntry = apps.get_model("audit", "AuditEntry")
    previous = GENESIS
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        digest = entry_digest({name: getattr(entry, name) for name in FIELDS}, previous)
        AuditEntry.objects.filter(pk=entry.pk).update(prev_hash=previous, entry_hash=digest)
        previous = digest


def add_triggers(apps, schema_editor):
    for statement in create_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


def remove_triggers(apps, schema_editor):
    for statement in drop_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_alter_auditentry_action"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="prev_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="entry_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.RunPython(add_triggers, remove_triggers),
    ]
