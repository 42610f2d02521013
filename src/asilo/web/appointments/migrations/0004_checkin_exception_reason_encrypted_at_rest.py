"""A supervisor's reason for a check-in exception (free text about the family) is encrypted
at rest; the rows written before are encrypted in place (reversible).
"""

from django.db import migrations

from asilo.web.core.free_text import EncryptedNoteField, encrypt_columns


class Migration(migrations.Migration):
    dependencies = [("appointments", "0001_squashed_0003_contact_code_message")]

    operations = encrypt_columns(
        "appointments", [("checkinexception", "reason", EncryptedNoteField())]
    )
