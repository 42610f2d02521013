"""Reference data, squashed (0001-0002): the tables, then the southwest border's sectors,
field offices and ports (see ``asilo.web.reference.seed``).
"""

import django.db.models.deletion
from django.db import migrations, models


def seed(apps, schema_editor):
    from asilo.web.reference.seed import load

    load(
        apps.get_model("reference", "Sector"),
        apps.get_model("reference", "FieldOffice"),
        apps.get_model("reference", "PortOfEntry"),
    )


class Migration(migrations.Migration):

    initial = True

    replaces = [
        ('reference', '0001_initial'),
        ('reference', '0002_seed_places'),
    ]

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='FieldOffice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=80, unique=True, verbose_name='name')),
                ('abbreviation', models.CharField(max_length=40, unique=True, verbose_name='abbreviation')),
                ('state', models.CharField(max_length=2, verbose_name='state')),
            ],
            options={
                'verbose_name': 'CBP field office',
                'verbose_name_plural': 'CBP field offices',
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='Sector',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=80, unique=True, verbose_name='name')),
                ('aor_name', models.CharField(max_length=100, verbose_name='area of responsibility')),
                ('abbreviation', models.CharField(max_length=8, unique=True, verbose_name='abbreviation')),
                ('state', models.CharField(max_length=2, verbose_name='state')),
                ('mexican_states', models.JSONField(default=list, verbose_name='Mexican states across the line')),
            ],
            options={
                'verbose_name': 'Border Patrol sector',
                'verbose_name_plural': 'Border Patrol sectors',
                'ordering': ['name'],
            },
        ),
        migrations.CreateModel(
            name='PortOfEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=80, unique=True, verbose_name='name')),
                ('state', models.CharField(max_length=2, verbose_name='state')),
                ('mexican_state', models.CharField(max_length=40, verbose_name='Mexican state across the line')),
                ('aliases', models.JSONField(blank=True, default=list, verbose_name='other names')),
                ('daily_capacity', models.PositiveIntegerField(default=0, help_text='Persons the port can process per day; 0 when not set.', verbose_name='daily processing capacity (persons)')),
                ('field_office', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='ports', to='reference.fieldoffice', verbose_name='field office')),
                ('sector', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='ports', to='reference.sector', verbose_name='sector')),
            ],
            options={
                'verbose_name': 'port of entry',
                'verbose_name_plural': 'ports of entry',
                'ordering': ['name'],
                'constraints': [models.CheckConstraint(condition=models.Q(('daily_capacity__lte', 100000)), name='port_capacity_plausible')],
            },
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
