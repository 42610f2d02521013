"""A program's queue and capacities from the database, as :mod:`asilo.forecast.queue` takes them.

Thin on purpose: it reuses the appointments reads that an allocation run uses, so a queue
forecast sees exactly the families and the room a run on the same day would see.
"""

from __future__ import annotations

from datetime import date

from asilo.scheduling import Method, PortDayCapacity, Registration
from asilo.web.appointments import selectors


def program_queue(
    code: str, first_day: date
) -> tuple[list[Registration], list[PortDayCapacity], Method]:
    """The families waiting in program ``code``, the room per port and day from ``first_day``
    (capacity minus persons already booked, within the method's horizon), and the method.

    Raises the appointments app's ``AppointmentError`` (unknown program, no capacity).
    """
    program = selectors.program_get(code)
    method = selectors.method_for(program)
    plan = selectors.capacity_plan(program, first_day, method.horizon_days)
    families, _ids = selectors.queued_families(program, program.ports)
    return families, plan.rows, method
