"""The eight ports' reference data: a port counts as verified only with CBP's own page of it
and the day of the check; every port says what its check found."""

from __future__ import annotations

from datetime import date

from asilo.web.appointments.ports import CHECKS, PORTS
from asilo.web.registrations.programs import DEFAULT_PROGRAMS


def test_every_program_port_has_reference_data_and_a_check() -> None:
    ports = {p for program in DEFAULT_PROGRAMS for p in program["ports"]}
    assert ports <= set(PORTS)
    assert set(CHECKS) == set(PORTS)
    assert all(CHECKS[name].strip() for name in PORTS)


def test_verified_means_a_cbp_port_page_and_a_day() -> None:
    for port in PORTS.values():
        if port.verified_on is None:
            assert port.source == "", port.name
            continue
        assert isinstance(port.verified_on, date)
        assert port.source.startswith("https://www.cbp.gov/contact/ports/"), port.name
