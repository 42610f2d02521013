"""Issue 10: the family fixes its own record: adds a newborn, removes a member, corrects a
name or a date of birth. Each change is validated, re-evaluated by the engine and audited,
and none costs the family its place in the queue."""

from __future__ import annotations

import re

import pytest
from appointment_helpers import at
from django.test import Client

from asilo.web.appointments import selectors as appointments
from asilo.web.audit.models import AuditEntry
from asilo.web.registrations import services
from asilo.web.registrations.errors import RegistrationError, RegistrationInputError

NOW = at("2023-06-14 10:00")
NEWBORN = {
    "given_names": "Nouvo",
    "surnames": "Pierre",
    "date_of_birth": "2023-06-01",
    "sex": "female",
    "nationality": "HTI",
    "relationship": "child",
}


def test_a_newborn_joins_and_the_family_keeps_its_place(register, program) -> None:
    family = register(size=2, registered="2023-05-02 09:00")
    others = [register(size=1, registered="2023-05-20 09:00") for _ in range(2)]
    services.registration_member_add(actor=None, registration=family, data=NEWBORN, now=NOW)
    family.refresh_from_db()
    assert family.members.count() == 3 and family.status == "waiting"
    # Stored as a member registered with the family is: the digest of its date of birth (the
    # duplicate signal's look-up) and its age on the rules date (it had none before).
    newborn = family.members.get(position=2)
    assert newborn.age == 0 and newborn.dob_digest
    queue, _ = appointments.queued_families(program, program.ports)
    mine = next(f for f in queue if f.registration_id == family.number)
    assert mine.family_size == 3 and mine.registered_on.isoformat() == "2023-05-02"
    assert min(f.registered_on for f in queue) == mine.registered_on  # still first in line
    assert len(others) == 2
    entry = AuditEntry.objects.filter(note="member added").get()
    assert "Nouvo" not in str(entry.after)


def test_bad_member_data_changes_nothing(register) -> None:
    family = register(size=1)
    with pytest.raises(RegistrationInputError) as err:
        services.registration_member_add(
            actor=None, registration=family, data={**NEWBORN, "date_of_birth": "2099-01-01"}
        )
    assert [e.code for e in err.value.errors] == ["date_of_birth_in_future"]
    assert family.members.count() == 1


def test_remove_and_correct(register) -> None:
    family = register(size=3)
    with pytest.raises(RegistrationError) as err:
        services.registration_member_remove(actor=None, registration=family, position=0, now=NOW)
    assert err.value.code == "principal_stays"
    services.registration_member_remove(actor=None, registration=family, position=2, now=NOW)
    assert family.members.count() == 2
    services.registration_member_correct(
        actor=None,
        registration=family,
        position=1,
        changes={"surnames": "Joseph Pierre", "date_of_birth": "1991-07-03"},
        now=NOW,
    )
    member = family.members.get(position=1)
    assert (member.surnames, member.date_of_birth.isoformat()) == ("Joseph Pierre", "1991-07-03")
    entry = AuditEntry.objects.filter(note="member corrected").get()
    assert entry.after["fields"] == ["surnames", "date_of_birth"]
    with pytest.raises(RegistrationError) as err:
        services.registration_member_correct(
            actor=None, registration=family, position=1, changes={"nationality": "VEN"}
        )
    assert err.value.code == "field_not_correctable"


def test_no_member_change_while_an_appointment_is_offered(
    register, set_capacity, run_allocation
) -> None:
    family = register(size=1)
    set_capacity({"San Ysidro": 5})
    run_allocation()
    family.refresh_from_db()
    assert family.status == "offered"
    with pytest.raises(RegistrationError) as err:
        services.registration_member_add(actor=None, registration=family, data=NEWBORN)
    assert err.value.code == "family_change_while_offered"
    # A correction of a name is fine with an appointment.
    services.registration_member_correct(
        actor=None, registration=family, position=0, changes={"given_names": "Jean"}, now=NOW
    )


def test_the_family_page_in_creole(register) -> None:
    family = register(size=1)
    client = Client()
    client.cookies["django_language"] = "ht"
    client.post("/registrations/status/", {"number": family.number, "pin": family.pin})
    page = client.get("/registrations/status/family/")
    assert page.status_code == 200 and "Ajoute yon moun" in page.content.decode()
    added = client.post(
        "/registrations/status/family/", {"action": "add", **NEWBORN, "date_of_birth": "bad"}
    )
    assert added.status_code == 400
    assert re.search(r'id="errors"', added.content.decode())
    assert family.members.count() == 1
    with_newborn = client.post(
        "/registrations/status/family/", {"action": "add", **NEWBORN, "date_of_birth": "2023-06-01"}
    )
    assert with_newborn.status_code == 200 and family.members.count() == 2
