"""Seed the southwest border's sectors, field offices and ports (see asilo.web.reference.seed)."""

from django.db import migrations


def seed(apps, schema_editor):
    from asilo.web.reference.seed import load

    load(
        apps.get_model("reference", "Sector"),
        apps.get_model("reference", "FieldOffice"),
        apps.get_model("reference", "PortOfEntry"),
    )


class Migration(migrations.Migration):
    dependencies = [("reference", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
