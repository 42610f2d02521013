"""Issue 11, finding 3 (second half): under a new key, names failed to decrypt and the API
returned the ciphertext as the name, with no error. Now reading such a value is an error."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from asilo.web.accounts.models import User
from asilo.web.core.fields import Undecryptable
from asilo.web.people import services
from asilo.web.people.models import Person
from asilo.web.people.validation import clean_identity

pytestmark = pytest.mark.django_db

ON = date(2022, 5, 10)


def _person(officer: User) -> Person:
    return services.person_create(
        actor=officer,
        identity=clean_identity({"nationality": "SLV", "given_names": "Marta", "age": 29}, on=ON),
        on=ON,
    )


def _encrypt_under_another_key(person: Person) -> str:
    """What the column holds after the server's key changed without a fallback."""
    foreign = Fernet(Fernet.generate_key()).encrypt(b"Marta").decode()
    table = connection.ops.quote_name(Person._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET given_names = %s WHERE id = %s", [foreign, person.pk])
    return foreign


def test_the_orm_refuses_a_value_it_cannot_decrypt(user_of: Callable[..., User]) -> None:
    person = _person(user_of("officer"))
    _encrypt_under_another_key(person)
    with pytest.raises(Undecryptable) as caught:
        Person.objects.get(pk=person.pk)
    assert caught.value.field == "given_names"


def test_the_api_answers_an_error_not_the_ciphertext(
    user_of: Callable[..., User], api_as: Callable[..., Any]
) -> None:
    officer = user_of("officer")
    person = _person(officer)
    ciphertext = _encrypt_under_another_key(person)
    response = api_as(officer).get(f"/people/{person.pk}")
    assert response.status_code == 500
    body = response.json()
    assert body["errors"][0]["code"] == "undecryptable"
    assert ciphertext not in response.content.decode()
    assert "gAAAA" not in response.content.decode()


def test_values_under_the_current_key_still_read(user_of: Callable[..., User]) -> None:
    person = _person(user_of("officer"))
    assert Person.objects.get(pk=person.pk).given_names == "Marta"
