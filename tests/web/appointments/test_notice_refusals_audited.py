"""Issue 11, finding 7: refused reads on the registration side are audited. Before, a
caseworker of another organisation opening a family's appointment notice (or its calendar
file) was refused without an entry in the audit trail."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from asilo.web.appointments.models import Appointment
from asilo.web.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(register, set_capacity, run_allocation, make_user) -> Appointment:
    registration = register(size=2)
    set_capacity({"San Ysidro": 10})
    run_allocation()
    helper = make_user("caseworker", organisation="Albergue Juventud 2000")
    registration.organisation = helper.organisation
    registration.save()
    return Appointment.objects.select_related("registration").get(registration=registration)


def _refusals(user: Any) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action="refused", actor=user))


def test_another_organisations_notice_refusal_is_audited(booked, make_user, client_as) -> None:
    stranger = make_user("caseworker", organisation="Casa del Migrante (otra)")
    response = client_as(stranger).get(reverse("appointments:staff_notice", args=[booked.pk]))
    assert response.status_code == 403
    refusals = _refusals(stranger)
    assert len(refusals) == 1
    assert refusals[0].object_type == "registrations.registration"
    assert refusals[0].object_id == str(booked.registration_id)


def test_another_organisations_calendar_file_refusal_is_audited(
    booked, make_user, client_as
) -> None:
    stranger = make_user("caseworker", organisation="Casa del Migrante (otra)")
    response = client_as(stranger).get(reverse("appointments:notice_ics", args=[booked.pk]))
    assert response.status_code == 404  # the family's existence is not confirmed
    assert [e.object_id for e in _refusals(stranger)] == [str(booked.registration_id)]


def test_a_403_from_the_admin_site_is_audited(users: dict[str, Any], client_as) -> None:
    """Django's admin site refuses without ``require()``; the core middleware audits it."""
    admin = users["admin"]
    assert client_as(admin).get("/admin/people/person/").status_code == 403
    assert [e.object_id for e in _refusals(admin)] == ["admin/people/person/"]
