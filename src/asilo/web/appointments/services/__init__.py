"""Writes of the appointments app, one module per use case: :mod:`.capacity` (a port's room
on a day), :mod:`.runs` (an allocation run and its verification), :mod:`.notices` (the outbox,
the family's contact, a notice sent again), :mod:`.family` (the family cancels or asks for
another date), :mod:`.checkin` (check-in at the port and its exceptions), :mod:`.noshows` (the
end of a day). Reads are in :mod:`asilo.web.appointments.selectors` (this package no longer
offers them under its own name).

One transaction each, audited in the same transaction; messages to families are outbox rows
written in that transaction and delivered by a background task after commit. Audit entries
and logs carry ids and counts, never names or contact details.
"""

from asilo.web.appointments.services.capacity import (
    capacity_set,
    program_locked,
)
from asilo.web.appointments.services.checkin import (
    CheckIn,
    appointment_check_in,
    appointment_for_code,
    checkin_exception_grant,
    encounter_document,
    registration_processed,
)
from asilo.web.appointments.services.common import (
    APPOINTMENT,
    CAPACITY,
    EXCEPTION,
    MAX_ATTEMPTS,
    MAX_CAPACITY,
    MAX_RESCHEDULES,
    MIN_REASON,
    REGISTRATION,
    RESEND_LIMIT_PER_DAY,
    RESENT,
    RUN,
    locked_booked,
    may_act_for,
    user_of,
    where_and_when,
)
from asilo.web.appointments.services.family import (
    appointment_change,
)
from asilo.web.appointments.services.noshows import (
    DayClosed,
    appointments_close_day,
)
from asilo.web.appointments.services.notices import (
    DeliveryReport,
    deliver_after_commit,
    message_context,
    notice_contact_change,
    notice_resend,
    notice_url,
    outbox_deliver,
    queue_messages,
    send_one_time_code,
)
from asilo.web.appointments.services.runs import (
    RunVerification,
    allocation_run,
    allocation_run_verify,
)

__all__ = [
    "APPOINTMENT",
    "CAPACITY",
    "EXCEPTION",
    "MAX_ATTEMPTS",
    "MAX_CAPACITY",
    "MAX_RESCHEDULES",
    "MIN_REASON",
    "REGISTRATION",
    "RESEND_LIMIT_PER_DAY",
    "RESENT",
    "RUN",
    "CheckIn",
    "DayClosed",
    "DeliveryReport",
    "RunVerification",
    "allocation_run",
    "allocation_run_verify",
    "appointment_change",
    "appointment_check_in",
    "appointment_for_code",
    "appointments_close_day",
    "capacity_set",
    "checkin_exception_grant",
    "deliver_after_commit",
    "encounter_document",
    "locked_booked",
    "may_act_for",
    "message_context",
    "notice_contact_change",
    "notice_resend",
    "notice_url",
    "outbox_deliver",
    "program_locked",
    "queue_messages",
    "registration_processed",
    "send_one_time_code",
    "user_of",
    "where_and_when",
]
