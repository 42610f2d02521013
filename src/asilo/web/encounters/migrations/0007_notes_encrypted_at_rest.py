"""Staff notes about a person are encrypted at rest like the reasons: a supervisor's
override review note and family-exception decision note, a reunification task's closing
note and its notes. The rows written before are encrypted in place (reversible).
"""

from django.db import migrations

from asilo.web.core.free_text import EncryptedNoteField, encrypt_columns


class Migration(migrations.Migration):
    dependencies = [
        ("encounters", "0001_squashed_0006_reasons_encrypted_at_rest"),
    ]

    operations = encrypt_columns(
        "encounters",
        [
            ("override", "review_note", EncryptedNoteField(blank=True)),
            ("familyexception", "decision_note", EncryptedNoteField(blank=True)),
            ("reunificationtask", "closing_note", EncryptedNoteField(blank=True)),
            ("reunificationnote", "text", EncryptedNoteField()),
        ],
    )
