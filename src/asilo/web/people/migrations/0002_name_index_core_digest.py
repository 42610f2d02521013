"""Re-index: the name index and the A-number digest move to core's keyed digest.

Before, ``people.name_index`` keyed its HMAC-SHA256 with a key of its own
(``HMAC(SECRET_KEY, "asilo.people.name-index.v1")``); now it uses
:func:`asilo.web.core.digests.keyed_digest` (purposes ``people.name-index`` and
``people.a-number``). Every stored entry is recomputed from the decrypted names and A-number, so a
search finds everyone recorded before the change. Going back leaves the entries as they are
(run ``manage.py reindex_names`` with the older code).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

from asilo.web.people import name_index

BATCH = 500


def reindex(apps: Any, schema_editor: Any) -> None:
    person_model = apps.get_model("people", "Person")
    entry_model = apps.get_model("people", "NameIndexEntry")
    db = schema_editor.connection.alias
    people = person_model.objects.using(db).order_by("pk")
    for person in people.only(
        "pk", "given_names", "first_surname", "second_surname", "a_number"
    ).iterator(chunk_size=BATCH):
        entry_model.objects.using(db).filter(person_id=person.pk).delete()
        digests = name_index.name_digests(
            person.given_names, person.first_surname, person.second_surname
        )
        entry_model.objects.using(db).bulk_create(
            [entry_model(person_id=person.pk, digest=d) for d in sorted(digests)]
        )
        if person.a_number:
            person_model.objects.using(db).filter(pk=person.pk).update(
                a_number_digest=name_index.a_number_digest(person.a_number)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(reindex, migrations.RunPython.noop, elidable=False),
    ]
