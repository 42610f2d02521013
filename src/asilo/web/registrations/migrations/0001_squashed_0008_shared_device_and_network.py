"""Registrations, squashed (0001-0008): the tables, then the default programs (see
``asilo.web.registrations.programs``). Left out with the squash: 0004's step that moved the
registrations written before it to the one status lifecycle.
"""

import django.db.models.deletion
import django.utils.timezone
import encrypted_fields.fields
from django.conf import settings
from django.db import migrations, models


def create_programs(apps, schema_editor):
    from asilo.web.registrations.programs import ensure_default_programs

    ensure_default_programs(apps.get_model("registrations", "Program"))


def remove_programs(apps, schema_editor):
    from asilo.web.registrations.programs import DEFAULT_PROGRAMS

    Program = apps.get_model("registrations", "Program")
    codes = [spec["code"] for spec in DEFAULT_PROGRAMS]
    Program.objects.filter(code__in=codes, registrations=None).delete()


class Migration(migrations.Migration):

    initial = True

    replaces = [
        ('registrations', '0001_initial'),
        ('registrations', '0002_default_programs'),
        ('registrations', '0003_program_rules_as_of'),
        ('registrations', '0004_status_lifecycle'),
        ('registrations', '0005_pin_recovery'),
        ('registrations', '0006_contact_verification'),
        ('registrations', '0007_review_task_duplicate_family'),
        ('registrations', '0008_shared_device_and_network'),
    ]

    dependencies = [
        ('accounts', '0001_squashed_0003_token_expiry'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Program',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(max_length=40, unique=True, verbose_name='code')),
                ('name', models.CharField(max_length=120, verbose_name='name')),
                ('rule', models.CharField(choices=[('mpp/wind_down', '2021 MPP wind-down'), ('cbp_one/appointments', '2023 port appointment process')], max_length=40, verbose_name='eligibility rule')),
                ('ports', models.JSONField(default=list, verbose_name='ports of entry')),
                ('allocation_method', models.CharField(max_length=60, verbose_name='allocation method')),
                ('is_open', models.BooleanField(default=True, verbose_name='open for registration')),
                ('rules_as_of', models.DateField(blank=True, null=True, verbose_name='rules read as of')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                'ordering': ['code'],
                'constraints': [models.CheckConstraint(condition=models.Q(('rule__in', ['mpp/wind_down', 'cbp_one/appointments'])), name='program_rule_is_known')],
            },
        ),
        migrations.CreateModel(
            name='Registration',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(max_length=12, unique=True, verbose_name='registration number')),
                ('pin_hash', models.CharField(max_length=64)),
                ('pin_salt', models.CharField(max_length=32)),
                ('client_request_id', models.UUIDField(unique=True, verbose_name='client request id')),
                ('channel', models.CharField(choices=[('self_service', 'Self-service'), ('assisted', 'Assisted by a caseworker'), ('bulk_import', "Partner's list")], max_length=16, verbose_name='channel')),
                ('source_digest', models.CharField(db_index=True, max_length=64)),
                ('device_digest', models.CharField(blank=True, max_length=64, null=True)),
                ('network_digest', models.CharField(blank=True, max_length=64, null=True)),
                ('registered_on', models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name='registered on')),
                ('language', models.CharField(default='es', max_length=8, verbose_name='language for notices')),
                ('contact_phone', encrypted_fields.fields.EncryptedCharField(blank=True, max_length=20, null=True, verbose_name='phone')),
                ('contact_email', encrypted_fields.fields.EncryptedCharField(blank=True, max_length=254, null=True, verbose_name='e-mail')),
                ('contact_whatsapp', encrypted_fields.fields.EncryptedCharField(blank=True, max_length=20, null=True, verbose_name='WhatsApp')),
                ('phone_digest', models.CharField(blank=True, db_index=True, max_length=64, null=True)),
                ('whatsapp_digest', models.CharField(blank=True, db_index=True, max_length=64, null=True)),
                ('email_digest', models.CharField(blank=True, db_index=True, max_length=64, null=True)),
                ('waiting_city', models.CharField(max_length=60, verbose_name='city where waiting')),
                ('waiting_place', encrypted_fields.fields.EncryptedCharField(blank=True, max_length=200, null=True, verbose_name='shelter or address')),
                ('place_digest', models.CharField(blank=True, db_index=True, max_length=64, null=True)),
                ('preferred_ports', models.JSONField(blank=True, default=list, verbose_name='preferred ports, in order')),
                ('languages', models.JSONField(blank=True, default=list, verbose_name='languages spoken')),
                ('vulnerabilities', models.JSONField(blank=True, default=list, verbose_name='vulnerabilities')),
                ('tier', models.PositiveSmallIntegerField(verbose_name='priority tier')),
                ('a_number', encrypted_fields.fields.EncryptedCharField(blank=True, max_length=9, null=True, verbose_name='A-number')),
                ('a_number_digest', models.CharField(blank=True, db_index=True, max_length=64, null=True)),
                ('mpp_enrolled_on', models.DateField(blank=True, null=True, verbose_name='MPP enrolment date')),
                ('mpp_case_status', models.CharField(blank=True, choices=[('active', 'Active (including a pending appeal to the BIA)'), ('terminated', 'Terminated'), ('removal_order_in_absentia', 'Removal order in absentia')], max_length=30, verbose_name='MPP case status')),
                ('status', models.CharField(choices=[('registered', 'Registered'), ('needs_verification', 'Needs verification by a caseworker'), ('waiting', 'Eligible: waiting for an appointment'), ('offered', 'Appointment offered'), ('checked_in', 'Checked in at the port'), ('no_show', 'Did not come to the appointment'), ('closed', 'Closed'), ('not_eligible', 'Not eligible now')], max_length=20, verbose_name='status')),
                ('closed_reason', models.CharField(blank=True, choices=[('processed', 'Processed at the port'), ('withdrawn', 'Withdrawn by the family'), ('ineligible', 'Not eligible after a rule change'), ('duplicate', 'Duplicate of another registration')], max_length=20, verbose_name='reason for closing')),
                ('status_changed_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('verified_at', models.DateTimeField(blank=True, null=True, verbose_name='identity verified at')),
                ('pin_failures', models.PositiveSmallIntegerField(default=0)),
                ('pin_locked_until', models.DateTimeField(blank=True, null=True)),
                ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('organisation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='registrations', to='accounts.organisation')),
                ('program', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='registrations', to='registrations.program')),
                ('verified_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['registered_on', 'id'],
            },
        ),
        migrations.CreateModel(
            name='PinRecovery',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code_hash', models.CharField(max_length=64)),
                ('code_salt', models.CharField(max_length=32)),
                ('channel', models.CharField(max_length=8)),
                ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ('expires_at', models.DateTimeField()),
                ('attempts', models.PositiveSmallIntegerField(default=0)),
                ('used_at', models.DateTimeField(blank=True, null=True)),
                ('registration', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='pin_recoveries', to='registrations.registration')),
            ],
            options={
                'ordering': ['-created_at', '-id'],
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='Member',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveSmallIntegerField()),
                ('given_names', encrypted_fields.fields.EncryptedCharField(max_length=100, verbose_name='given names')),
                ('surnames', encrypted_fields.fields.EncryptedCharField(max_length=100, verbose_name='surnames')),
                ('date_of_birth', encrypted_fields.fields.EncryptedDateField(blank=True, null=True, verbose_name='date of birth')),
                ('dob_digest', models.CharField(blank=True, db_index=True, max_length=64, null=True)),
                ('age', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='age')),
                ('sex', models.CharField(choices=[('female', 'Female'), ('male', 'Male'), ('x', 'Another sex or prefers not to say')], max_length=8, verbose_name='sex')),
                ('nationality', models.CharField(max_length=3, verbose_name='nationality')),
                ('relationship', models.CharField(choices=[('principal', 'The person registering'), ('spouse', 'Spouse or partner'), ('child', 'Son or daughter'), ('parent', 'Mother or father'), ('sibling', 'Brother or sister'), ('grandchild', 'Grandson or granddaughter'), ('other_relative', 'Other relative'), ('ward', 'Child in their legal care'), ('other', 'No family relationship')], max_length=20, verbose_name='relationship')),
                ('registration', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='members', to='registrations.registration')),
            ],
            options={
                'ordering': ['registration_id', 'position'],
            },
        ),
        migrations.CreateModel(
            name='ContactVerification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code_hash', models.CharField(max_length=64)),
                ('code_salt', models.CharField(max_length=32)),
                ('channel', models.CharField(max_length=8)),
                ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ('expires_at', models.DateTimeField()),
                ('attempts', models.PositiveSmallIntegerField(default=0)),
                ('used_at', models.DateTimeField(blank=True, null=True)),
                ('registration', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='contact_verifications', to='registrations.registration')),
            ],
            options={
                'ordering': ['-created_at', '-id'],
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='ReviewTask',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('callback', 'Call back: verify identity and A-number'), ('duplicate_person', 'Same person in two registrations'), ('shared_phone', 'One phone number behind many registrations'), ('shared_place', 'One address behind many registrations'), ('burst', 'Many registrations from one source in a short time'), ('vulnerability', 'Vulnerability flagged'), ('duplicate_family', 'Possible duplicate registration'), ('shared_device', 'Many registrations from one device'), ('shared_network', 'Many registrations from one network')], max_length=20, verbose_name='kind')),
                ('key', models.CharField(max_length=200)),
                ('state', models.CharField(choices=[('open', 'Open'), ('closed', 'Closed')], default='open', max_length=8, verbose_name='state')),
                ('detail', models.JSONField(blank=True, default=dict)),
                ('opened_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ('closed_at', models.DateTimeField(blank=True, null=True)),
                ('outcome', models.CharField(blank=True, choices=[('verified', 'Verified'), ('not_reached', 'Could not reach the family'), ('details_wrong', 'Details do not match'), ('not_a_duplicate', 'Not a duplicate'), ('confirmed_duplicate', 'Confirmed duplicate'), ('no_abuse', 'Explained: no abuse'), ('abuse_referred', 'Referred for investigation'), ('noted', 'Noted')], max_length=24)),
                ('note', models.TextField(blank=True)),
                ('closed_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('registrations', models.ManyToManyField(related_name='review_tasks', to='registrations.registration')),
            ],
            options={
                'ordering': ['opened_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='StatusChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(default=django.utils.timezone.now)),
                ('from_status', models.CharField(blank=True, max_length=20)),
                ('to_status', models.CharField(max_length=20)),
                ('closed_reason', models.CharField(blank=True, max_length=20)),
                ('reason_code', models.CharField(max_length=40)),
                ('reason_params', models.JSONField(blank=True, default=dict)),
                ('rule', models.CharField(blank=True, max_length=60)),
                ('policy_text', models.TextField(blank=True)),
                ('citation_title', models.CharField(blank=True, max_length=300)),
                ('citation_url', models.URLField(blank=True, max_length=500)),
                ('catalogue_version', models.CharField(blank=True, max_length=80)),
                ('actor', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('registration', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='status_changes', to='registrations.registration')),
            ],
            options={
                'ordering': ['registration_id', 'at', 'id'],
            },
        ),
        migrations.AddIndex(
            model_name='registration',
            index=models.Index(fields=['program', 'status'], name='registratio_program_69a60e_idx'),
        ),
        migrations.AddIndex(
            model_name='registration',
            index=models.Index(fields=['organisation', 'registered_on'], name='registratio_organis_83fe9f_idx'),
        ),
        migrations.AddIndex(
            model_name='registration',
            index=models.Index(fields=['source_digest', 'registered_on'], name='registratio_source__4e5913_idx'),
        ),
        migrations.AddIndex(
            model_name='registration',
            index=models.Index(fields=['device_digest', 'registered_on'], name='registratio_device__37bd35_idx'),
        ),
        migrations.AddIndex(
            model_name='registration',
            index=models.Index(fields=['network_digest', 'registered_on'], name='registratio_network_201dc8_idx'),
        ),
        migrations.AddConstraint(
            model_name='registration',
            constraint=models.CheckConstraint(condition=models.Q(('tier__in', [0, 1, 2])), name='registration_tier_0_1_2'),
        ),
        migrations.AddConstraint(
            model_name='registration',
            constraint=models.CheckConstraint(condition=models.Q(('channel__in', ['self_service', 'assisted', 'bulk_import'])), name='registration_channel_is_known'),
        ),
        migrations.AddConstraint(
            model_name='registration',
            constraint=models.CheckConstraint(condition=models.Q(('channel', 'self_service'), ('organisation__isnull', False), _connector='OR'), name='registration_assisted_has_organisation'),
        ),
        migrations.AddConstraint(
            model_name='member',
            constraint=models.UniqueConstraint(fields=('registration', 'position'), name='registration_member_position_once'),
        ),
        migrations.AddConstraint(
            model_name='member',
            constraint=models.CheckConstraint(condition=models.Q(('date_of_birth__isnull', False), ('age__isnull', False), _connector='OR'), name='registration_member_has_dob_or_age'),
        ),
        migrations.AddConstraint(
            model_name='reviewtask',
            constraint=models.UniqueConstraint(condition=models.Q(('state', 'open')), fields=('kind', 'key'), name='review_task_one_open_per_key'),
        ),
        migrations.RunPython(create_programs, remove_programs),
    ]
