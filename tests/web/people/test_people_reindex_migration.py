"""Migration ``people.0002``: name-index entries and A-number digests stored with the people
app's own keyed-digest scheme are recomputed with core's, and search finds those people again."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from asilo.web.people import name_index, selectors
from asilo.web.people.models import NameIndexEntry, Person

BEFORE = [("people", "0001_initial")]
AFTER = [("people", "0002_name_index_core_digest")]


def _old_digest(text: str) -> str:
    """The scheme before the migration: HMAC keyed with the app's own derived key."""
    key = hmac.new(
        settings.SECRET_KEY.encode("utf-8"), b"asilo.people.name-index.v1", hashlib.sha256
    ).digest()
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def _old_name_digests(*names: str) -> set[str]:
    return {
        _old_digest(variant)
        for name in names
        for token in name_index.tokens(name)
        for variant in name_index.variants(token)
    }


def _migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_reindex_migration_recomputes_old_entries_and_search_finds_them() -> None:
    _migrate(BEFORE)
    state = MigrationExecutor(connection).loader.project_state(BEFORE[0])
    old_person = state.apps.get_model("people", "Person")
    old_entry = state.apps.get_model("people", "NameIndexEntry")
    names = {
        "María": ("María", "López", "Núñez", "123456789"),
        "Jean": ("Jean", "Pierre", None, None),
    }
    ids: dict[str, int] = {}
    for key, (given, first, second, a_number) in names.items():
        person = old_person.objects.create(
            given_names=given,
            first_surname=first,
            second_surname=second,
            nationality="HND",
            a_number=a_number,
            a_number_digest=_old_digest("a-number:" + a_number) if a_number else None,
        )
        ids[key] = person.pk
        old_entry.objects.bulk_create(
            [
                old_entry(person_id=person.pk, digest=d)
                for d in sorted(_old_name_digests(*(n for n in (given, first, second) if n)))
            ]
        )
    # The old entries do not meet today's query digests: the search misses them.
    assert selectors.person_matches("Lpez") == []
    assert selectors.person_find_by_a_number("123456789") is None

    _migrate(AFTER)

    assert [m.person.pk for m in selectors.person_matches("Lpez")] == [ids["María"]]
    assert [m.person.pk for m in selectors.person_matches("Nunez Maria")] == [ids["María"]]
    assert [m.person.pk for m in selectors.person_matches("Jean Piere")] == [ids["Jean"]]
    found = selectors.person_find_by_a_number("123456789")
    assert found is not None and found.pk == ids["María"]
    # Exactly the entries a person written today gets: no old digest is left behind.
    maria = Person.objects.get(pk=ids["María"])
    stored = set(NameIndexEntry.objects.filter(person=maria).values_list("digest", flat=True))
    assert stored == name_index.name_digests("María", "López", "Núñez")
    assert not stored & _old_name_digests("María", "López", "Núñez")
