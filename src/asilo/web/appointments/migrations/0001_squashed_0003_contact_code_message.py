"""Appointments, squashed (0001-0003).
"""

import datetime
import django.db.models.deletion
import django.utils.timezone
import encrypted_fields.fields
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    replaces = [
        ('appointments', '0001_initial'),
        ('appointments', '0002_pin_code_message'),
        ('appointments', '0003_contact_code_message'),
    ]

    dependencies = [
        ('encounters', '0001_squashed_0006_reasons_encrypted_at_rest'),
        ('registrations', '0001_squashed_0008_shared_device_and_network'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AllocationLock',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('last_run_at', models.DateTimeField(blank=True, null=True)),
                ('program', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='allocation_lock', to='registrations.program')),
            ],
        ),
        migrations.CreateModel(
            name='AllocationRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('method_name', models.CharField(max_length=60)),
                ('method_version', models.CharField(max_length=40)),
                ('seed', models.BigIntegerField()),
                ('input_digest', models.CharField(max_length=64)),
                ('registrations_digest', models.CharField(max_length=64)),
                ('capacity_digest', models.CharField(max_length=64)),
                ('inputs', models.JSONField()),
                ('start', models.DateField(verbose_name='first day')),
                ('horizon_start', models.DateField(blank=True, null=True)),
                ('horizon_end', models.DateField(blank=True, null=True)),
                ('registrations_count', models.PositiveIntegerField(default=0)),
                ('allocated_count', models.PositiveIntegerField(default=0)),
                ('persons_allocated', models.PositiveIntegerField(default=0)),
                ('trigger', models.CharField(choices=[('web', "Supervisor's page or API (background task)"), ('task', 'Scheduled task'), ('cli', 'Command line')], max_length=8)),
                ('started_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('program', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='allocation_runs', to='registrations.program')),
                ('run_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-started_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='Appointment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('port', models.CharField(max_length=60, verbose_name='port of entry')),
                ('date', models.DateField(db_index=True, verbose_name='date')),
                ('window_start', models.TimeField(verbose_name='from')),
                ('window_end', models.TimeField(verbose_name='until')),
                ('family_size', models.PositiveSmallIntegerField()),
                ('priority_rank', models.PositiveIntegerField()),
                ('tier', models.PositiveSmallIntegerField()),
                ('selected_by', models.CharField(max_length=20)),
                ('status', models.CharField(choices=[('booked', 'Booked'), ('checked_in', 'Checked in'), ('no_show', 'Did not come'), ('cancelled', 'Cancelled by the family'), ('rescheduled', 'Another date asked for')], default='booked', max_length=12)),
                ('status_changed_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('checked_in_at', models.DateTimeField(blank=True, null=True)),
                ('checked_in_positions', models.JSONField(blank=True, default=list)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('checked_in_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('encounter', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='appointments', to='encounters.encounter')),
                ('registration', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='appointments', to='registrations.registration')),
                ('run', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='appointments', to='appointments.allocationrun')),
            ],
            options={
                'ordering': ['date', 'port', 'priority_rank', 'id'],
            },
        ),
        migrations.CreateModel(
            name='CheckinException',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('positions', models.JSONField()),
                ('reason', models.TextField()),
                ('granted_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('used_at', models.DateTimeField(blank=True, null=True)),
                ('appointment', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='checkin_exceptions', to='appointments.appointment')),
                ('granted_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-granted_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='NoticeContact',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('phone', encrypted_fields.fields.EncryptedCharField(blank=True, max_length=20, null=True)),
                ('email', encrypted_fields.fields.EncryptedCharField(blank=True, max_length=254, null=True)),
                ('language', models.CharField(blank=True, max_length=8)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('registration', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='notice_contact', to='registrations.registration')),
            ],
        ),
        migrations.CreateModel(
            name='OutboxMessage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('notice', 'Appointment notice'), ('cancelled', 'Appointment cancelled'), ('rescheduled', 'Another date asked for'), ('no_show', 'Missed appointment'), ('pin_code', 'Code to choose a new PIN'), ('contact_code', 'Code to confirm the phone or e-mail')], max_length=12)),
                ('channel', models.CharField(choices=[('email', 'E-mail'), ('sms', 'SMS')], max_length=8)),
                ('address', encrypted_fields.fields.EncryptedCharField(max_length=254)),
                ('language', models.CharField(max_length=8)),
                ('subject', models.CharField(blank=True, max_length=200)),
                ('body', models.TextField()),
                ('status', models.CharField(choices=[('pending', 'Waiting to be sent'), ('sent', 'Sent'), ('failed', 'Failed (will be retried)')], db_index=True, default='pending', max_length=8)),
                ('attempts', models.PositiveSmallIntegerField(default=0)),
                ('last_error', models.CharField(blank=True, max_length=300)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('sent_at', models.DateTimeField(blank=True, null=True)),
                ('appointment', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='appointments.appointment')),
                ('registration', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='outbox_messages', to='registrations.registration')),
            ],
            options={
                'ordering': ['created_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='PortCapacity',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('port', models.CharField(max_length=60, verbose_name='port of entry')),
                ('date', models.DateField(verbose_name='date')),
                ('capacity', models.PositiveIntegerField(verbose_name='capacity (persons)')),
                ('opens_at', models.TimeField(default=datetime.time(7, 0), verbose_name='first window starts')),
                ('closes_at', models.TimeField(default=datetime.time(15, 0), verbose_name='last window ends')),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('program', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='port_capacities', to='registrations.program')),
                ('updated_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['program_id', 'date', 'port'],
            },
        ),
        migrations.AddIndex(
            model_name='appointment',
            index=models.Index(fields=['port', 'date', 'status'], name='appointment_port_d7c85b_idx'),
        ),
        migrations.AddConstraint(
            model_name='appointment',
            constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['booked', 'checked_in'])), fields=('registration',), name='one_active_appointment_per_registration'),
        ),
        migrations.AddConstraint(
            model_name='appointment',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['booked', 'checked_in', 'no_show', 'cancelled', 'rescheduled'])), name='appointment_status_is_known'),
        ),
        migrations.AddConstraint(
            model_name='appointment',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'checked_in'), _negated=True), ('checked_in_at__isnull', False), _connector='OR'), name='appointment_checked_in_has_time'),
        ),
        migrations.AddConstraint(
            model_name='portcapacity',
            constraint=models.UniqueConstraint(fields=('program', 'port', 'date'), name='capacity_once_per_port_day'),
        ),
        migrations.AddConstraint(
            model_name='portcapacity',
            constraint=models.CheckConstraint(condition=models.Q(('opens_at__lt', models.F('closes_at'))), name='capacity_opens_before_closing'),
        ),
    ]
