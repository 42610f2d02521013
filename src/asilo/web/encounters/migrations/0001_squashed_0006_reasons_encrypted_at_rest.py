"""Encounters, squashed (0001-0006). Left out with the squash: the steps that rewrote rows
written before them (0004: custody clocks from the book-in; 0006: override and
family-exception reasons encrypted in place). A fresh database writes them encrypted.
"""

import django.db.models.deletion
import django.utils.timezone
import encrypted_fields.fields
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    replaces = [
        ('encounters', '0001_initial'),
        ('encounters', '0002_custody_open_by_due'),
        ('encounters', '0003_policy_2025_vocabulary'),
        ('encounters', '0004_custody_clocks_from_the_encounter'),
        ('encounters', '0005_reunification_steps_and_staff_notifications'),
        ('encounters', '0006_reasons_encrypted_at_rest'),
    ]

    dependencies = [
        ('people', '0001_squashed_0002_name_index_core_digest'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Encounter',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('encounter_date', models.DateField(db_index=True, verbose_name='date')),
                ('occurred_at', models.DateTimeField(blank=True, null=True, verbose_name='date and time')),
                ('component', models.CharField(choices=[('USBP', 'U.S. Border Patrol (between ports)'), ('OFO', 'Office of Field Operations (port of entry)')], max_length=4, verbose_name='component')),
                ('place_kind', models.CharField(max_length=20)),
                ('place_name', models.CharField(db_index=True, max_length=80, verbose_name='sector or port')),
                ('document', models.JSONField(verbose_name='policy input document')),
                ('status', models.CharField(choices=[('decided', 'Decided, awaiting confirmation'), ('confirmed', 'Decision confirmed'), ('overridden', 'Decision overridden')], default='decided', max_length=12)),
                ('client_request_id', models.CharField(blank=True, max_length=100, null=True)),
                ('request_digest', models.CharField(blank=True, max_length=64)),
                ('recorded_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ('family_unit', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='encounters', to='people.familyunit')),
                ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-recorded_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='Custody',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('booked_in_at', models.DateTimeField(help_text='The moment of the encounter (the start of its day when the time is unknown).')),
                ('booked_in_time_known', models.BooleanField(default=True, help_text="False: the encounter's time of day was not recorded.")),
                ('limit_hours', models.PositiveIntegerField(blank=True, null=True)),
                ('due_at', models.DateTimeField(blank=True, db_index=True, null=True)),
                ('standard_hours', models.PositiveIntegerField(default=72)),
                ('standard_due_at', models.DateTimeField(blank=True, null=True)),
                ('unaccompanied_since', models.DateTimeField(blank=True, null=True)),
                ('redecision', models.JSONField(blank=True, null=True)),
                ('booked_out_at', models.DateTimeField(blank=True, db_index=True, null=True)),
                ('outcome', models.CharField(blank=True, choices=[('expelled', 'Expelled'), ('returned_mpp', 'Returned to Mexico under MPP'), ('transferred_orr', 'Transferred to ORR'), ('released_nta', 'Released with a notice to appear'), ('transferred_ice', 'Transferred to ICE')], max_length=20)),
                ('booked_out_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='custodies', to='people.person')),
                ('encounter', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='custodies', to='encounters.encounter')),
            ],
            options={
                'verbose_name_plural': 'custodies',
                'ordering': ['due_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='EncounterDecision',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('inputs', models.JSONField()),
                ('result', models.JSONField()),
                ('catalogue_version', models.CharField(max_length=80)),
                ('authority', models.CharField(choices=[('title_42', 'Title 42'), ('title_8', 'Title 8'), ('proclamation_212f', 'Proclamation under INA 212(f)')], max_length=20)),
                ('pathway', models.CharField(choices=[('expulsion', 'Expulsion'), ('mpp_return', 'Return to Mexico under MPP'), ('orr_transfer', 'Transfer to ORR'), ('tvpra_contiguous_screening', 'TVPRA screening (contiguous country)'), ('aca_transfer', 'Transfer under an Asylum Cooperative Agreement'), ('processing', 'Title 8 processing'), ('summary_repatriation', 'Summary repatriation (no asylum screening)'), ('removal_protection_screening_only', 'Removal with withholding and CAT screening only'), ('entry_suspended_public_health', 'Entry suspended on public-health grounds')], max_length=40)),
                ('destination', models.CharField(blank=True, max_length=3)),
                ('demographic', models.CharField(max_length=30)),
                ('custody_limit_hours', models.PositiveIntegerField(blank=True, null=True)),
                ('decided_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('confirmed_at', models.DateTimeField(blank=True, null=True)),
                ('confirmed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('encounter', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='decision', to='encounters.encounter')),
            ],
        ),
        migrations.CreateModel(
            name='EncounterPerson',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveSmallIntegerField()),
                ('role', models.CharField(max_length=8)),
                ('relationship', models.CharField(blank=True, max_length=20)),
                ('age', models.PositiveSmallIntegerField()),
                ('nationality', models.CharField(max_length=3)),
                ('pathway', models.CharField(choices=[('expulsion', 'Expulsion'), ('mpp_return', 'Return to Mexico under MPP'), ('orr_transfer', 'Transfer to ORR'), ('tvpra_contiguous_screening', 'TVPRA screening (contiguous country)'), ('aca_transfer', 'Transfer under an Asylum Cooperative Agreement'), ('processing', 'Title 8 processing'), ('summary_repatriation', 'Summary repatriation (no asylum screening)'), ('removal_protection_screening_only', 'Removal with withholding and CAT screening only'), ('entry_suspended_public_health', 'Entry suspended on public-health grounds')], max_length=40)),
                ('demographic', models.CharField(max_length=30)),
                ('unit', models.PositiveSmallIntegerField(default=0, help_text="The decision's unit: people of one unit (a family unit in law) share one outcome.")),
                ('custody_limit_hours', models.PositiveIntegerField(blank=True, null=True)),
                ('encounter', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='participants', to='encounters.encounter')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='encounters', to='people.person')),
            ],
            options={
                'ordering': ['encounter_id', 'position'],
            },
        ),
        migrations.CreateModel(
            name='FamilyException',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('outcome', models.CharField(choices=[('expelled', 'Expelled'), ('returned_mpp', 'Returned to Mexico under MPP'), ('transferred_orr', 'Transferred to ORR'), ('released_nta', 'Released with a notice to appear'), ('transferred_ice', 'Transferred to ICE')], max_length=20)),
                ('reason', encrypted_fields.fields.EncryptedTextField()),
                ('requested_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('status', models.CharField(choices=[('pending', 'Awaiting a supervisor'), ('approved', 'Approved'), ('denied', 'Denied')], default='pending', max_length=10)),
                ('decided_at', models.DateTimeField(blank=True, null=True)),
                ('decision_note', models.TextField(blank=True)),
                ('custody', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='exceptions', to='encounters.custody')),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-requested_at', '-id'],
            },
        ),
        migrations.AddField(
            model_name='custody',
            name='family_exception',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='encounters.familyexception'),
        ),
        migrations.CreateModel(
            name='Override',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('authority', models.CharField(choices=[('title_42', 'Title 42'), ('title_8', 'Title 8'), ('proclamation_212f', 'Proclamation under INA 212(f)')], max_length=20)),
                ('pathway', models.CharField(choices=[('expulsion', 'Expulsion'), ('mpp_return', 'Return to Mexico under MPP'), ('orr_transfer', 'Transfer to ORR'), ('tvpra_contiguous_screening', 'TVPRA screening (contiguous country)'), ('aca_transfer', 'Transfer under an Asylum Cooperative Agreement'), ('processing', 'Title 8 processing'), ('summary_repatriation', 'Summary repatriation (no asylum screening)'), ('removal_protection_screening_only', 'Removal with withholding and CAT screening only'), ('entry_suspended_public_health', 'Entry suspended on public-health grounds')], max_length=40)),
                ('destination', models.CharField(blank=True, max_length=3)),
                ('reason', encrypted_fields.fields.EncryptedTextField()),
                ('within_options', models.BooleanField(help_text='The chosen pathway was among the lawful options the decision listed.')),
                ('overridden_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('verdict', models.CharField(blank=True, choices=[('upheld', 'Upheld'), ('overturned', 'Overturned')], max_length=12)),
                ('review_note', models.TextField(blank=True)),
                ('reviewed_at', models.DateTimeField(blank=True, null=True)),
                ('decision', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='override', to='encounters.encounterdecision')),
                ('overridden_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('reviewed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-overridden_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='ReunificationTask',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('open', 'Open'), ('closed', 'Closed')], default='open', max_length=8)),
                ('opened_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('closed_at', models.DateTimeField(blank=True, null=True)),
                ('closing_note', models.TextField(blank=True)),
                ('contact_made_at', models.DateTimeField(blank=True, null=True)),
                ('located_at', models.DateTimeField(blank=True, null=True)),
                ('closing_outcome', models.CharField(blank=True, choices=[('reunited', 'Reunited'), ('closed', 'Closed with a reason')], max_length=10)),
                ('closed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('exception', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='reunification_task', to='encounters.familyexception')),
                ('family_unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='people.familyunit')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='people.person')),
            ],
            options={
                'ordering': ['-opened_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='ReunificationNote',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('text', models.TextField()),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('author', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('task', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notes', to='encounters.reunificationtask')),
            ],
            options={
                'ordering': ['created_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='StaffNotification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('exception_approved', 'Your family exception was approved'), ('exception_denied', 'Your family exception was denied')], max_length=30)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('read_at', models.DateTimeField(blank=True, null=True)),
                ('exception', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='encounters.familyexception')),
                ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.AddConstraint(
            model_name='encounter',
            constraint=models.UniqueConstraint(fields=('recorded_by', 'client_request_id'), name='encounter_client_request_once'),
        ),
        migrations.AddConstraint(
            model_name='encounter',
            constraint=models.CheckConstraint(condition=models.Q(('status__in', ['decided', 'confirmed', 'overridden'])), name='encounter_status_is_known'),
        ),
        migrations.AddConstraint(
            model_name='encounterperson',
            constraint=models.UniqueConstraint(fields=('encounter', 'position'), name='participant_position'),
        ),
        migrations.AddConstraint(
            model_name='encounterperson',
            constraint=models.UniqueConstraint(fields=('encounter', 'person'), name='participant_once'),
        ),
        migrations.AddIndex(
            model_name='custody',
            index=models.Index(condition=models.Q(('booked_out_at__isnull', True)), fields=['due_at', 'id'], name='custody_open_by_due'),
        ),
        migrations.AddConstraint(
            model_name='custody',
            constraint=models.UniqueConstraint(fields=('encounter', 'person'), name='custody_once'),
        ),
        migrations.AddConstraint(
            model_name='custody',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('outcome', ''), ('booked_out_at__isnull', True)), models.Q(models.Q(('outcome', ''), _negated=True), ('booked_out_at__isnull', False)), _connector='OR'), name='custody_outcome_iff_booked_out'),
        ),
        migrations.AddConstraint(
            model_name='override',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('verdict', ''), ('reviewed_at__isnull', True)), models.Q(models.Q(('verdict', ''), _negated=True), ('reviewed_at__isnull', False)), _connector='OR'), name='override_reviewed_with_verdict'),
        ),
        migrations.AddIndex(
            model_name='staffnotification',
            index=models.Index(fields=['recipient', 'read_at'], name='notification_unread'),
        ),
    ]
