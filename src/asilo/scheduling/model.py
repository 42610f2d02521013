"""Plain values that go into and come out of an allocation.

They are frozen dataclasses so that the CLI, the web application, a notebook or a batch job can
build them without any framework.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date
from enum import StrEnum
from typing import Any, NamedTuple

REGISTRATION_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
"""A registration id: 1 to 64 ASCII letters, digits, '.', '_' or '-', not starting with a symbol.

Restricting ids to ASCII keeps the lottery number (SHA-256 of the seed and the id) free of any
question of text encoding, so that anyone can recompute it byte for byte.
"""

PORT_SEPARATOR = ";"


class AllocationInputError(ValueError):
    """The values given to ``allocate`` break one of the method's input rules."""


class SelectedBy(StrEnum):
    """How a family unit earned its place in the priority order of its tier."""

    LONGEST_WAITING = "longest_waiting"
    LOTTERY = "lottery"


@dataclass(frozen=True, slots=True)
class Registration:
    """One family unit waiting in Mexico, as the allocation sees it.

    ``registered_on`` is the date of first registration (or, for the MPP wind-down, the MPP
    enrolment date); ``tier`` is the priority tier (0 urgent medical need, 1 vulnerability,
    2 everyone else in the default method); ``preferred_ports`` in order of preference, empty
    meaning any port.
    """

    registration_id: str
    family_size: int
    registered_on: date
    tier: int
    preferred_ports: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not REGISTRATION_ID_PATTERN.fullmatch(self.registration_id):
            raise AllocationInputError(
                f"registration id {self.registration_id!r} must be 1-64 ASCII letters, digits, "
                "'.', '_' or '-', starting with a letter or digit"
            )
        if self.family_size < 1:
            raise AllocationInputError(
                f"registration {self.registration_id}: family size {self.family_size} is below 1"
            )
        if len(set(self.preferred_ports)) != len(self.preferred_ports):
            raise AllocationInputError(
                f"registration {self.registration_id}: a preferred port is listed twice"
            )


@dataclass(frozen=True, slots=True)
class PortDayCapacity:
    """How many persons a port of entry can receive on one day."""

    port: str
    date: date
    capacity: int

    def __post_init__(self) -> None:
        if not self.port or self.port != self.port.strip() or PORT_SEPARATOR in self.port:
            raise AllocationInputError(
                f"port name {self.port!r} must be non-empty, without surrounding spaces "
                f"and without {PORT_SEPARATOR!r}"
            )
        if self.capacity < 0:
            raise AllocationInputError(
                f"port {self.port} on {self.date.isoformat()}: capacity {self.capacity} is negative"
            )


class Appointment(NamedTuple):
    """The outcome for one family unit: its place in the priority order and, if any fits, its
    port of entry and day (both None when nothing fits within the horizon).

    A named tuple rather than a dataclass: a run creates one per registration (a million in the
    benchmark), and a tuple is several times cheaper to create."""

    registration_id: str
    priority_rank: int
    tier: int
    selected_by: SelectedBy
    family_size: int
    port: str | None
    date: date | None


@dataclass(frozen=True, slots=True)
class RunProvenance:
    """What is needed to re-run a run and check it: the method, the seed, the inputs' digests
    and the horizon.

    ``input_digest`` is the SHA-256 of ``registrations_digest`` and ``capacity_digest`` (see
    ``asilo.scheduling.digest``), so two runs on the same inputs carry the same digest.
    """

    method_name: str
    method_version: str
    seed: int
    registrations_digest: str
    capacity_digest: str
    input_digest: str
    horizon_start: date | None
    horizon_end: date | None

    def provenance(self) -> dict[str, Any]:
        """The provenance fields alone, to carry into another record of the same run."""
        return {f.name: getattr(self, f.name) for f in fields(RunProvenance)}


@dataclass(frozen=True, slots=True)
class AllocationResult(RunProvenance):
    """A complete run: appointments in priority order plus its provenance."""

    appointments: tuple[Appointment, ...]

    def allocated(self) -> tuple[Appointment, ...]:
        """The appointments that received a port and a day."""
        return tuple(a for a in self.appointments if a.port is not None)

    def unallocated(self) -> tuple[Appointment, ...]:
        """The family units for which nothing fitted within the horizon."""
        return tuple(a for a in self.appointments if a.port is None)
