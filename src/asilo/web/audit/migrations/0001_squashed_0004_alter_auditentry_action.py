"""The audit trail, squashed (0001-0004): entries chained by their hashes, and the database
triggers that refuse UPDATE and DELETE (SQLite and PostgreSQL; see ``asilo.web.audit.triggers``).
Left out with the squash: 0003's step that chained the entries written before it.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from asilo.web.audit import triggers


class Migration(migrations.Migration):

    initial = True

    replaces = [
        ('audit', '0001_initial'),
        ('audit', '0002_alter_auditentry_action'),
        ('audit', '0003_hash_chain_and_append_only_triggers'),
        ('audit', '0004_alter_auditentry_action'),
    ]

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ('actor_username', models.CharField(blank=True, max_length=150)),
                ('actor_role', models.CharField(blank=True, max_length=20)),
                ('action', models.CharField(choices=[('create', 'created'), ('update', 'changed'), ('delete', 'deleted'), ('view', 'viewed'), ('decide', 'decided'), ('confirm', 'confirmed'), ('override', 'overridden'), ('review', 'reviewed'), ('book_in', 'booked in'), ('book_out', 'booked out'), ('approve', 'approved'), ('deny', 'denied'), ('login', 'signed in'), ('login_failed', 'sign-in failed'), ('token_create', 'token issued'), ('export', 'exported'), ('allocate', 'allocated'), ('check_in', 'checked in'), ('refused', 'refused'), ('password_reset', 'password reset link sent'), ('password_set', 'password set'), ('role_request', 'role requested')], db_index=True, max_length=20)),
                ('object_type', models.CharField(db_index=True, max_length=60)),
                ('object_id', models.CharField(blank=True, db_index=True, max_length=64)),
                ('before', models.JSONField(blank=True, null=True)),
                ('after', models.JSONField(blank=True, null=True)),
                ('catalogue_version', models.CharField(blank=True, max_length=80)),
                ('note', models.TextField(blank=True)),
                ('prev_hash', models.CharField(blank=True, editable=False, max_length=64)),
                ('entry_hash', models.CharField(blank=True, editable=False, max_length=64)),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name_plural': 'audit entries',
                'ordering': ['-at', '-id'],
                'indexes': [models.Index(fields=['object_type', 'object_id', 'at'], name='audit_audit_object__844bda_idx')],
            },
        ),
        migrations.RunPython(triggers.install, triggers.uninstall),
    ]
