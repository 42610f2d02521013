"""What a caseworker writes when opening a review task (a suspected duplicate's reason, a
flagged need's note) is encrypted at rest in ``opening_note``; the notes "mark duplicate"
kept in clear in the task's ``detail`` JSON are moved there (reversible: back into ``detail``).
"""

from django.db import migrations

from asilo.web.core.free_text import EncryptedNoteField, move_into_note


class Migration(migrations.Migration):
    dependencies = [("registrations", "0009_review_task_note_encrypted_at_rest")]

    operations = [
        migrations.AddField(
            model_name="reviewtask",
            name="opening_note",
            field=EncryptedNoteField(blank=True),
        ),
        move_into_note(
            app_label="registrations",
            model_name="reviewtask",
            json_field="detail",
            key="note",
            note_field="opening_note",
        ),
    ]
