"""asilo.scheduling: the published, versioned allocation method (pure: never imports Django).

Rank every family unit (priority tiers; within a tier, longest-waiting and lottery places in
the method's ratio, the lottery being SHA-256 of the seed and the registration id), then give
each family, in rank order, the earliest day on which one of its preferred ports of entry has
room for the whole family. See docs/allocation-method.md.
"""

from asilo.scheduling.allocation import allocate
from asilo.scheduling.csv_io import (
    InputFileError,
    appointments_csv,
    read_capacity_csv,
    read_registrations_csv,
    write_appointments_csv,
    write_capacity_csv,
    write_registrations_csv,
)
from asilo.scheduling.method import Method, MethodError, load_method
from asilo.scheduling.model import (
    AllocationInputError,
    AllocationResult,
    Appointment,
    PortDayCapacity,
    Registration,
    SelectedBy,
)
from asilo.scheduling.ranking import lottery_number

__all__ = [
    "AllocationInputError",
    "AllocationResult",
    "Appointment",
    "InputFileError",
    "Method",
    "MethodError",
    "PortDayCapacity",
    "Registration",
    "SelectedBy",
    "allocate",
    "appointments_csv",
    "load_method",
    "lottery_number",
    "read_capacity_csv",
    "read_registrations_csv",
    "write_appointments_csv",
    "write_capacity_csv",
    "write_registrations_csv",
]
