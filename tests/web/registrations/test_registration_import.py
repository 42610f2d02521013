"""Bulk import of a partner's CSV: all or nothing, a line-numbered report, idempotent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from registration_helpers import MPP, PORTS, at

from asilo.web.audit.models import AuditEntry
from asilo.web.registrations.errors import RegistrationError
from asilo.web.registrations.importer import registrations_import_csv
from asilo.web.registrations.models import Channel, Member, Registration, Status

pytestmark = pytest.mark.django_db

HEADER = (
    "family,relationship,given_names,surnames,date_of_birth,age,sex,nationality,"
    "phone,waiting_city,waiting_place,preferred_ports,languages,vulnerabilities"
)
GOOD_ROWS = [
    "F-001,principal,Rosa Elena,Gómez Ruiz,1985-02-11,,female,HND,+52 899 555 0101,Reynosa,"
    "Senda de Vida,Hidalgo;Brownsville,es,pregnancy",
    "F-001,child,Kevin,Gómez,2015-09-30,,male,HND,,,,,,",
    "F-001,child,Ashley,Gómez,,4,female,MEX,,,,,,",
    "F-002,principal,Wilfrid,Jean-Louis,1979-12-01,,male,HTI,,Tijuana,,,ht;fr,",
    "F-003,principal,Yeiber,Rojas,1999-05-05,,male,VEN,+52 656 555 0303,Ciudad Juárez,,,es,",
]


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


@pytest.fixture
def caseworker(make_user: Callable[..., Any]) -> Any:
    return make_user("caseworker", organisation="Senda de Vida")


def run(caseworker: Any, programs: dict[str, Any], content: bytes, program: str = PORTS) -> Any:
    return registrations_import_csv(
        actor=caseworker, program=programs[program], content=content, now=at("2023-06-02 08:00")
    )


def test_a_clean_file_registers_every_family(caseworker: Any, programs: dict[str, Any]) -> None:
    report = run(caseworker, programs, csv_bytes(*GOOD_ROWS))
    assert report.ok and report.rows == 5
    assert [family for family, *_ in report.created] == ["F-001", "F-002", "F-003"]
    assert all(len(pin) == 6 for _, _, pin, _ in report.created)
    first = Registration.objects.get(number=report.created[0][1])
    assert first.channel == Channel.BULK_IMPORT
    assert first.organisation == caseworker.organisation
    assert first.status == Status.WAITING
    assert first.tier == 1
    assert first.preferred_ports == ["Hidalgo", "Brownsville"]
    assert [m.given_names for m in first.members.all()] == ["Rosa Elena", "Kevin", "Ashley"]
    assert AuditEntry.objects.filter(object_type="registrations.import").count() == 1


def test_one_bad_row_imports_nothing_and_names_its_line_and_column(
    caseworker: Any, programs: dict[str, Any]
) -> None:
    rows = list(GOOD_ROWS)
    # Line 5 (the header is line 1): an impossible date of birth.
    rows[2] = "F-001,child,Ashley,Gómez,,4,female,MEX,,,,,,"
    rows[3] = "F-002,principal,Wilfrid,Jean-Louis,1979-13-01,,male,HTI,,Tijuana,,,ht;fr,"
    report = run(caseworker, programs, csv_bytes(*rows))
    assert not report.ok
    assert [(e.line, e.column, e.code) for e in report.errors] == [
        (5, "date_of_birth", "date_of_birth_invalid")
    ]
    assert "year-month-day" in str(report.errors[0])
    assert str(report.errors[0]).startswith("line 5, column date_of_birth: ")
    assert Registration.objects.count() == 0
    assert Member.objects.count() == 0
    refused = AuditEntry.objects.get(object_type="registrations.import")
    assert refused.action == "refused" and refused.after["errors"] == 1


def test_every_error_of_the_file_is_reported_at_once(
    caseworker: Any, programs: dict[str, Any]
) -> None:
    rows = [
        GOOD_ROWS[0],
        "F-001,child,Kevin,Gómez,2015-09-30,,male,HND,+1 555 000 0000,,,,,",  # line 3
        "F-009,child,Ana,López,2010-01-01,,female,GTM,,,,,,",  # line 4: no principal
        ",principal,Sin,Familia,1990-01-01,,male,GTM,,Tijuana,,,,",  # line 5
        "F-002,principal,Wilfrid,Jean-Louis,1979-12-01,,male,XXX,,Tijuana,,Calexico;Calexico,,",
        "F-003,principal,Yeiber,Rojas,1999-05-05,male,VEN",  # line 7: wrong cell count
    ]
    report = run(caseworker, programs, csv_bytes(*rows))
    assert [(e.line, e.column, e.code) for e in report.errors] == [
        (3, "phone", "csv_family_field_on_member_row"),
        (4, "relationship", "csv_family_without_principal"),
        (5, "family", "csv_family_required"),
        (6, "nationality", "nationality_invalid"),
        (6, "preferred_ports", "port_repeated"),
        (7, "", "csv_wrong_cell_count"),
    ]
    assert Registration.objects.count() == 0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\xff\xfe\x00bad", [(1, "", "csv_not_utf8")]),
        (b"", [(1, "", "csv_empty")]),
        (csv_bytes(), [(1, "", "csv_empty")]),
        (
            csv_bytes(header=HEADER.replace("nationality", "country")),
            [(1, "country", "csv_unknown_column"), (1, "nationality", "csv_missing_column")],
        ),
    ],
)
def test_file_level_problems_are_reported_on_line_1(
    caseworker: Any, programs: dict[str, Any], content: bytes, expected: list[Any]
) -> None:
    report = run(caseworker, programs, content)
    assert [(e.line, e.column, e.code) for e in report.errors] == expected
    assert Registration.objects.count() == 0


def test_importing_the_same_list_again_creates_nothing_twice(
    caseworker: Any, programs: dict[str, Any]
) -> None:
    first = run(caseworker, programs, csv_bytes(*GOOD_ROWS))
    again = run(caseworker, programs, csv_bytes(*GOOD_ROWS))
    assert again.ok and again.created == []
    assert again.existing == [(family, number) for family, number, _, _ in first.created]
    assert Registration.objects.count() == 3


def test_mpp_columns_are_read_for_the_mpp_program(
    caseworker: Any, programs: dict[str, Any]
) -> None:
    header = (
        "family,relationship,given_names,surnames,age,sex,nationality,waiting_city,"
        "a_number,mpp_case_status,mpp_enrolled_on"
    )
    rows = ["M-1,principal,Olga,Pérez,40,female,CUB,Matamoros,A098765432,terminated,2019-10-01"]
    report = registrations_import_csv(
        actor=caseworker,
        program=programs[MPP],
        content=csv_bytes(*rows, header=header),
        now=at("2021-07-01 08:00"),
    )
    assert report.ok
    registration = Registration.objects.get()
    assert registration.mpp_case_status == "terminated"
    assert registration.status == Status.WAITING  # after the 2021-06-23 widening


def test_only_a_caseworker_of_an_organisation_may_import(
    make_user: Callable[..., Any], programs: dict[str, Any]
) -> None:
    for role in ("supervisor", "officer", "auditor"):
        with pytest.raises(RegistrationError) as caught:
            run(make_user(role), programs, csv_bytes(*GOOD_ROWS))
        assert caught.value.code == "csv_organisation_required"
    assert Registration.objects.count() == 0
