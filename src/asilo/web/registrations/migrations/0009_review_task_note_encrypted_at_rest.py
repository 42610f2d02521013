"""A review task's closing note (free text about the family) is encrypted at rest; the rows
written before are encrypted in place (reversible).
"""

from django.db import migrations

from asilo.web.core.free_text import EncryptedNoteField, encrypt_columns


class Migration(migrations.Migration):
    dependencies = [("registrations", "0001_squashed_0008_shared_device_and_network")]

    operations = encrypt_columns(
        "registrations", [("reviewtask", "note", EncryptedNoteField(blank=True))]
    )
