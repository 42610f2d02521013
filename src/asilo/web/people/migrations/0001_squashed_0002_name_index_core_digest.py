"""People, squashed (0001-0002). Left out with the squash: 0002's step that recomputed the
name index and A-number digests stored with the older digest scheme.
"""

import django.db.models.deletion
import django.utils.timezone
import encrypted_fields.fields
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    replaces = [
        ('people', '0001_initial'),
        ('people', '0002_name_index_core_digest'),
    ]

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='FamilyUnit',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'family unit',
                'ordering': ['id'],
            },
        ),
        migrations.CreateModel(
            name='FamilyMembership',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position', models.PositiveSmallIntegerField()),
                ('role', models.CharField(choices=[('adult', 'Adult'), ('child', 'Child')], max_length=8)),
                ('relationship', models.CharField(choices=[('parent', 'Parent'), ('legal_guardian', 'Legal guardian'), ('other_relative', 'Other relative'), ('child', 'Child'), ('none', 'No family relationship')], max_length=20)),
                ('family_unit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='people.familyunit')),
            ],
            options={
                'ordering': ['family_unit_id', 'position'],
            },
        ),
        migrations.CreateModel(
            name='Person',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('given_names', encrypted_fields.fields.EncryptedCharField(blank=True, max_length=200, null=True, verbose_name='given names')),
                ('first_surname', encrypted_fields.fields.EncryptedCharField(blank=True, max_length=200, null=True, verbose_name='first surname')),
                ('second_surname', encrypted_fields.fields.EncryptedCharField(blank=True, max_length=200, null=True, verbose_name='second surname')),
                ('date_of_birth', encrypted_fields.fields.EncryptedDateField(blank=True, null=True, verbose_name='date of birth')),
                ('estimated_age', models.PositiveSmallIntegerField(null=True, verbose_name='age (stated or estimated)')),
                ('age_recorded_on', models.DateField(null=True, verbose_name='date the age was recorded')),
                ('sex', models.CharField(choices=[('female', 'Female'), ('male', 'Male'), ('x', 'Unspecified or another sex (X)'), ('unknown', 'Not recorded')], default='unknown', max_length=8, verbose_name='sex')),
                ('nationality', models.CharField(max_length=3, verbose_name='nationality (ISO alpha-3)')),
                ('languages', models.JSONField(blank=True, default=list, verbose_name='languages (ISO 639)')),
                ('a_number', encrypted_fields.fields.EncryptedCharField(blank=True, max_length=9, null=True, verbose_name='A-number')),
                ('a_number_digest', models.CharField(blank=True, max_length=64, null=True, unique=True)),
                ('vulnerabilities', models.JSONField(blank=True, default=list, verbose_name='vulnerabilities')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'person',
                'verbose_name_plural': 'people',
                'ordering': ['id'],
            },
        ),
        migrations.CreateModel(
            name='NameIndexEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('digest', models.CharField(db_index=True, max_length=64)),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='name_index', to='people.person')),
            ],
        ),
        migrations.CreateModel(
            name='IdentityDocument',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('passport', 'Passport'), ('national_id', 'National identity card'), ('birth_certificate', 'Birth certificate'), ('consular_id', 'Consular identity card'), ('other', 'Other document')], max_length=20, verbose_name='kind')),
                ('issuing_country', models.CharField(blank=True, max_length=3, verbose_name='issuing country')),
                ('number', encrypted_fields.fields.EncryptedCharField(max_length=40, verbose_name='number')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='documents', to='people.person')),
            ],
            options={
                'ordering': ['id'],
            },
        ),
        migrations.AddField(
            model_name='familyunit',
            name='members',
            field=models.ManyToManyField(related_name='families', through='people.FamilyMembership', to='people.person'),
        ),
        migrations.AddField(
            model_name='familymembership',
            name='person',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='memberships', to='people.person'),
        ),
        migrations.AddConstraint(
            model_name='person',
            constraint=models.CheckConstraint(condition=models.Q(('sex__in', ['female', 'male', 'x', 'unknown'])), name='person_sex_is_known'),
        ),
        migrations.AddConstraint(
            model_name='person',
            constraint=models.CheckConstraint(condition=models.Q(('estimated_age__isnull', True), ('estimated_age__lte', 120), _connector='OR'), name='person_age_at_most_120'),
        ),
        migrations.AddConstraint(
            model_name='nameindexentry',
            constraint=models.UniqueConstraint(fields=('person', 'digest'), name='name_index_unique'),
        ),
        migrations.AddConstraint(
            model_name='familymembership',
            constraint=models.UniqueConstraint(fields=('family_unit', 'person'), name='family_member_once'),
        ),
        migrations.AddConstraint(
            model_name='familymembership',
            constraint=models.UniqueConstraint(fields=('family_unit', 'position'), name='family_position_once'),
        ),
    ]
