"""The name index and the A-number digest use core's keyed digest (purposes
``people.name-index`` and ``people.a-number``), never the people app's older scheme (an HMAC
keyed with a key of its own); search finds people by them.

(Until the migrations were squashed, this file also ran migration ``people.0002``, which
recomputed entries stored with the older scheme; a database created today never holds them.)
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import date

import pytest
from django.conf import settings

from asilo.web.accounts.models import User
from asilo.web.core.digests import keyed_digest
from asilo.web.people import name_index, selectors, services
from asilo.web.people.models import NameIndexEntry, Person
from asilo.web.people.validation import clean_identity

ON = date(2022, 5, 10)


def _old_digest(text: str) -> str:
    """The older scheme: HMAC keyed with the app's own derived key."""
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


@pytest.mark.django_db
def test_stored_digests_are_cores_and_search_finds_them(user_of: Callable[..., User]) -> None:
    officer = user_of("officer", "officer")
    ids: dict[str, int] = {}
    for key, raw in {
        "María": {"given_names": "María", "first_surname": "López", "second_surname": "Núñez",
                  "a_number": "123456789"},
        "Jean": {"given_names": "Jean", "first_surname": "Pierre"},
    }.items():  # fmt: skip
        identity = clean_identity({"nationality": "HND", **raw}, on=ON)
        ids[key] = services.person_create(actor=officer, identity=identity, on=ON).pk

    assert [m.person.pk for m in selectors.person_matches("Lpez")] == [ids["María"]]
    assert [m.person.pk for m in selectors.person_matches("Nunez Maria")] == [ids["María"]]
    assert [m.person.pk for m in selectors.person_matches("Jean Piere")] == [ids["Jean"]]
    found = selectors.person_find_by_a_number("123456789")
    assert found is not None and found.pk == ids["María"]
    # Exactly the entries the code computes, with core's keyed digest: no older digest.
    maria = Person.objects.get(pk=ids["María"])
    stored = set(NameIndexEntry.objects.filter(person=maria).values_list("digest", flat=True))
    assert stored == name_index.name_digests("María", "López", "Núñez")
    assert keyed_digest("people.name-index", "lopez") in stored
    assert not stored & _old_name_digests("María", "López", "Núñez")
    assert maria.a_number_digest == keyed_digest("people.a-number", "123456789")
    assert maria.a_number_digest != _old_digest("a-number:123456789")
