"""The two programs asilo knows from the policy catalogue (ports as the catalogue lists them:
mpp/wind_down from 2021-06-23; cbp_one/appointments, the eight ports)."""

from django.db import migrations

PROGRAMS = [
    {
        "code": "mpp-wind-down-2021",
        "name": "2021 MPP wind-down",
        "rule": "mpp/wind_down",
        "ports": ["San Ysidro", "Brownsville", "El Paso"],
        "allocation_method": "fair-2023.1",
    },
    {
        "code": "port-appointments-2023",
        "name": "2023 port appointment process",
        "rule": "cbp_one/appointments",
        "ports": [
            "Nogales",
            "Brownsville",
            "Eagle Pass",
            "Hidalgo",
            "Laredo",
            "El Paso",
            "Calexico",
            "San Ysidro",
        ],
        "allocation_method": "fair-2023.1",
    },
]


def create(apps, schema_editor):
    Program = apps.get_model("registrations", "Program")
    for program in PROGRAMS:
        Program.objects.get_or_create(code=program["code"], defaults=program)


def remove(apps, schema_editor):
    Program = apps.get_model("registrations", "Program")
    Program.objects.filter(code__in=[p["code"] for p in PROGRAMS], registrations=None).delete()


class Migration(migrations.Migration):
    dependencies = [("registrations", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
