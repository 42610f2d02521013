"""The shared field declarations: the same columns and options as the fields they replaced."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import models

from asilo.web.accounts.models import RoleGrant, User
from asilo.web.audit.models import AuditEntry
from asilo.web.core.fields import staff_member
from asilo.web.encounters.models import Encounter, Override
from asilo.web.reference.models import FieldOffice, PortOfEntry, Sector
from asilo.web.registrations.models import Registration


@pytest.mark.parametrize(
    ("options", "declared"),
    [
        ({}, {}),
        ({"null": True}, {"null": True}),
        ({"null": True, "blank": True}, {"null": True, "blank": True}),
    ],
)
def test_staff_member_is_the_foreign_key_it_replaced(
    options: dict[str, bool], declared: dict[str, bool]
) -> None:
    before = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", **declared
    )
    assert staff_member(**options).deconstruct() == before.deconstruct()


@pytest.mark.parametrize(
    ("model", "name", "null"),
    [
        (Encounter, "recorded_by", False),
        (Override, "reviewed_by", True),
        (Registration, "created_by", True),
        (AuditEntry, "actor", True),
        (RoleGrant, "decided_by", True),
    ],
)
def test_who_did_it_is_kept_as_long_as_the_record(
    model: type[models.Model], name: str, null: bool
) -> None:
    field = model._meta.get_field(name)
    assert isinstance(field, models.ForeignKey)
    assert field.related_model is User and field.null is null
    assert field.remote_field.on_delete is models.PROTECT
    assert field.remote_field.related_name == "+"


def test_border_places_keep_their_name_state_and_order() -> None:
    for model in (Sector, FieldOffice, PortOfEntry):
        name = model._meta.get_field("name")
        assert isinstance(name, models.CharField) and name.unique and name.max_length == 80
        assert model._meta.get_field("state").max_length == 2
        assert model._meta.ordering == ["name"] and not model._meta.abstract
    assert str(FieldOffice(name="El Paso")) == "El Paso"
    assert str(Sector(name="Rio Grande Valley", aor_name="RGV sector")) == "RGV sector"
    assert PortOfEntry._meta.constraints[0].name == "port_capacity_plausible"
