"""An outbox message's text names the registration and may hold a one-time code: it is
encrypted at rest, and emptied once the message is sent or has failed for the last time.

Forward, the texts of messages already sent (or never to be sent) are emptied, then the others
are encrypted in place. Backward, the texts still kept are decrypted; the emptied ones stay
empty (their messages were delivered, and nothing reads them again).
"""

from typing import Any

from django.db import migrations
from django.db.models import Q

from asilo.web.core.free_text import EncryptedNoteField, encrypt_columns

#: ``services.common.MAX_ATTEMPTS`` when this migration was written.
MAX_ATTEMPTS = 5


def empty_texts_done_with(apps: Any, schema_editor: Any) -> None:
    message = apps.get_model("appointments", "OutboxMessage")
    message.objects.using(schema_editor.connection.alias).filter(
        Q(status="sent") | Q(attempts__gte=MAX_ATTEMPTS)
    ).update(body="")


class Migration(migrations.Migration):
    dependencies = [("appointments", "0004_checkin_exception_reason_encrypted_at_rest")]

    operations = [
        migrations.RunPython(empty_texts_done_with, migrations.RunPython.noop, elidable=True),
        *encrypt_columns("appointments", [("outboxmessage", "body", EncryptedNoteField())]),
    ]
