"""A supervisor's reason for a check-in exception (free text about the family) is encrypted at
rest: the raw column holds a Fernet token, the application reads it back unchanged, and the
audit entry of the grant does not copy it."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from asilo.web.appointments import services
from asilo.web.appointments.models import Appointment, CheckinException
from asilo.web.audit.models import AuditAction, AuditEntry

REASON = "Mother in hospital in Tijuana after a fall; father and daughter cross today."


@pytest.mark.django_db
def test_a_check_in_exception_reason_is_a_fernet_token_in_the_database(
    register: Any, set_capacity: Any, run_allocation: Any, supervisor: Any
) -> None:
    registration = register(size=3)
    set_capacity({"San Ysidro": 10})
    run_allocation()
    booked = Appointment.objects.get(registration=registration)
    exception = services.checkin_exception_grant(
        actor=supervisor, appointment_id=booked.pk, positions=[0, 2], reason=REASON
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reason FROM appointments_checkinexception WHERE id = %s", [exception.pk]
        )
        raw = str(cursor.fetchone()[0])
    assert raw.startswith("gAAAA"), raw
    assert not any(word in raw for word in ("Mother", "hospital", "Tijuana", "daughter"))
    assert CheckinException.objects.get(pk=exception.pk).reason == REASON
    # The grant is audited without the reason (before: the audit note held it in clear).
    entry = AuditEntry.objects.get(
        object_type="appointments.checkinexception", object_id=str(exception.pk)
    )
    assert entry.action == AuditAction.APPROVE
    for stored in AuditEntry.objects.values_list("before", "after", "note"):
        assert not any(word in str(stored) for word in ("hospital", "Tijuana", "daughter"))
