"""Pages and API endpoints: who may use each (the authorization matrix), and the flows a
supervisor, an officer and a family go through on them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from appointment_helpers import DAY, at
from django.urls import reverse
from django.utils import timezone

from asilo.web.appointments.models import AllocationRun, Appointment, PortCapacity
from asilo.web.appointments.tokens import notice_token
from asilo.web.audit.models import AuditEntry

ROLES = ["officer", "supervisor", "caseworker", "analyst", "auditor", "admin"]

PAGES: dict[str, set[str]] = {
    "appointments:capacities": {"supervisor"},
    "appointments:runs": {"supervisor", "analyst", "auditor"},
    "appointments:day": {"supervisor"},
    "appointments:fairness": {"supervisor", "analyst", "auditor"},
    "appointments:checkin": {"officer", "supervisor"},
}


@pytest.fixture
def booked(register, set_capacity, run_allocation) -> Appointment:
    registration = register(size=3)
    set_capacity({"San Ysidro": 10})
    run_allocation()
    appointment = Appointment.objects.select_related("registration").get(registration=registration)
    appointment.registration.pin = registration.pin  # type: ignore[attr-defined]
    return appointment


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_matrix(name: str, users: dict[str, Any], client_as, program) -> None:
    url = reverse(name)
    assert client_as(None).get(url).status_code == 302  # to the sign-in page
    for role in ROLES:
        expected = 200 if role in PAGES[name] else 403
        assert client_as(users[role]).get(url).status_code == expected, (name, role)


def test_staff_notice_matrix(booked, users, client_as, make_user) -> None:
    url = reverse("appointments:staff_notice", args=[booked.pk])
    allowed = {"supervisor", "auditor"}
    for role in ROLES:
        expected = 200 if role in allowed else 403
        assert client_as(users[role]).get(url).status_code == expected, role
    # A caseworker sees the notice of a family of their own organisation only.
    own = make_user("caseworker", organisation="Albergue Juventud 2000")
    booked.registration.organisation = own.organisation
    booked.registration.save()
    assert client_as(own).get(url).status_code == 200


API: list[tuple[str, str, set[str]]] = [
    ("get", "/appointments/capacities?program=port-appointments-2023", {"supervisor"}),
    ("get", "/appointments/runs", {"supervisor", "analyst", "auditor"}),
    ("get", "/appointments?date=2023-06-15", {"officer", "supervisor"}),
]


@pytest.mark.parametrize("method,path,allowed", API)
def test_api_read_matrix(method, path, allowed, users, bearer_as, client, program) -> None:
    assert client.get("/api/v1" + path).status_code == 401
    for role in ROLES:
        response = client.get("/api/v1" + path, headers=bearer_as(users[role]))
        assert response.status_code == (200 if role in allowed else 403), (path, role)
        if response.status_code == 403:
            assert response.json()["errors"][0]["code"] == "forbidden"


def test_api_write_matrix(booked, users, bearer_as, client) -> None:
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    writes = [
        (
            "put",
            "/appointments/capacities",
            {
                "program": "port-appointments-2023",
                "port": "Nogales",
                "date": tomorrow,
                "capacity": 40,
            },
            {"supervisor"},
            200,
        ),
        (
            "post",
            "/appointments/runs",
            {"program": "port-appointments-2023", "start": tomorrow},
            {"supervisor"},
            202,
        ),
        (
            "post",
            f"/appointments/runs/{booked.run_id}/verify",
            {},
            {"supervisor", "analyst", "auditor"},
            200,
        ),
        (
            "post",
            f"/appointments/{booked.pk}/exceptions",
            {"members": [0], "reason": "short"},
            {"supervisor"},
            400,
        ),
        ("post", "/appointments/check-in", {"code": "R-ZZZZ-ZZZZ"}, {"officer", "supervisor"}, 404),
    ]
    for method, path, body, allowed, ok in writes:
        call = getattr(client, method)
        assert call("/api/v1" + path, body, content_type="application/json").status_code == 401
        for role in ROLES:
            response = call(
                "/api/v1" + path,
                body,
                content_type="application/json",
                headers=bearer_as(users[role]),
            )
            assert response.status_code == (ok if role in allowed else 403), (path, role)


def test_api_capacity_errors_change_nothing(users, bearer_as, client, program) -> None:
    headers = bearer_as(users["supervisor"])
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    cases = [
        ({"port": "Tijuana", "capacity": 5}, "port_not_in_program", "port"),
        ({"port": "Nogales", "capacity": -1}, "capacity_invalid", "capacity"),
        ({"port": "Nogales", "capacity": 10**6}, "capacity_invalid", "capacity"),
        ({"port": "Nogales", "capacity": 5, "date": "2020-01-01"}, "date_in_past", "date"),
        ({"port": "Nogales", "capacity": 5, "program": "nope"}, "program_not_found", "program"),
        (
            {"port": "Nogales", "capacity": 5, "opens_at": "15:00", "closes_at": "14:30"},
            "hours_invalid",
            "opens_at",
        ),
    ]
    for change, code, field in cases:
        body = {"program": "port-appointments-2023", "date": tomorrow, **change}
        response = client.put(
            "/api/v1/appointments/capacities",
            body,
            content_type="application/json",
            headers=headers,
        )
        assert response.status_code in (400, 404), (change, response.content)
        error = response.json()["errors"][0]
        assert (error["code"], error["field"]) == (code, field)
    response = client.put(
        "/api/v1/appointments/capacities",
        {"program": "port-appointments-2023"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "invalid"
    assert PortCapacity.objects.count() == 0


def test_capacity_not_below_booked(booked, supervisor, client_as) -> None:
    response = client_as(supervisor).post(
        reverse("appointments:capacities"),
        {
            "program": "port-appointments-2023",
            "port": "San Ysidro",
            "date": DAY.isoformat(),
            "capacity": "2",
        },
    )
    # The page works on the real date, so 2023 is in the past; the service says so.
    assert response.status_code == 400 and b"date_in_past" in response.content
    from asilo.web.appointments import services
    from asilo.web.appointments.errors import AppointmentError

    with pytest.raises(AppointmentError) as err:
        services.capacity_set(
            actor=supervisor,
            program=booked.run.program,
            port="San Ysidro",
            day=DAY,
            capacity=2,
            now=at("2023-06-14 08:00"),
        )
    assert err.value.code == "capacity_below_booked" and err.value.params == {"booked": 3}


def test_supervisor_queues_a_run_from_the_page(
    register, supervisor, client_as, program, settings
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    register(size=2, preferred_ports=[])  # any port
    register(size=2, preferred_ports=["Nogales"])  # no room there: stays in the queue
    tomorrow = timezone.localdate() + timedelta(days=1)
    client = client_as(supervisor)
    response = client.post(
        reverse("appointments:capacities"),
        {
            "program": program.code,
            "port": "Hidalgo",
            "date": tomorrow.isoformat(),
            "capacity": "30",
            "opens_at": "08:00",
            "closes_at": "12:00",
        },
    )
    assert response.status_code == 302
    response = client.post(
        reverse("appointments:runs"),
        {"program": program.code, "start": tomorrow.isoformat(), "seed": "77"},
    )
    assert response.status_code == 302
    run = AllocationRun.objects.get()
    assert run.seed == 77 and run.run_by == supervisor
    assert (run.registrations_count, run.allocated_count) == (2, 1)
    assert run.appointments.get().port == "Hidalgo"
    page = client.get(reverse("appointments:run_detail", args=[run.pk]))
    assert page.status_code == 200 and run.input_digest.encode() in page.content
    verified = client.post(reverse("appointments:run_detail", args=[run.pk]))
    assert b'data-matches="yes"' in verified.content


def test_bad_run_form_refused(supervisor, client_as, program) -> None:
    client = client_as(supervisor)
    for data, code in [
        ({"start": "2020-01-01"}, b"date_in_past"),
        ({"start": "tomorrow"}, b"date_invalid"),
        ({"start": "2099-01-01", "seed": "-4"}, b"seed_invalid"),
        ({"start": "2099-01-01", "seed": "abc"}, b"seed_invalid"),
    ]:
        response = client.post(reverse("appointments:runs"), {"program": program.code, **data})
        assert response.status_code == 400 and code in response.content, data
    assert AllocationRun.objects.count() == 0


def test_family_signs_in_and_sees_the_notice_with_qr(booked, client) -> None:
    registration = booked.registration
    response = client.post(
        reverse("appointments:family_login"), {"number": registration.number, "pin": "000000"}
    )
    assert response.status_code == 401
    response = client.post(
        reverse("appointments:family_login"),
        {"number": registration.number, "pin": registration.pin},
    )
    assert response.status_code == 302
    page = client.get(reverse("appointments:family_notice"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "<svg" in text and 'class="segno"' in text
    assert "San Ysidro" in text and "Widlyne" in text
    response = client.post(
        reverse("appointments:family_notice"),
        {"action": "contact", "phone": "+52 664 000 1111", "email": "", "language": "es"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("appointments:family_notice"),
        {"action": "cancel"},  # not confirmed
    )
    assert response.status_code == 400
    booked.refresh_from_db()
    assert booked.status == "booked"


def test_family_notice_needs_sign_in(client) -> None:
    response = client.get(reverse("appointments:family_notice"))
    assert response.status_code == 302 and response.url == reverse("appointments:family_login")


def test_officer_checks_in_on_the_page(booked, officer, client_as, settings) -> None:
    import time_machine

    client = client_as(officer)
    with time_machine.travel(at("2023-06-15 09:30"), tick=False):
        page = client.post(
            reverse("appointments:checkin"), {"action": "find", "code": notice_token(booked.pk)}
        )
        assert page.status_code == 200 and b"Jean Baptiste" in page.content
        assert AuditEntry.objects.filter(
            action="view", object_id=str(booked.registration_id)
        ).exists()
        refused = client.post(
            reverse("appointments:checkin"),
            {"action": "check_in", "appointment": booked.pk, "members": ["0"]},
        )
        assert refused.status_code == 409
        assert b"member_alone_needs_exception" in refused.content
        done = client.post(
            reverse("appointments:checkin"),
            {"action": "check_in", "appointment": booked.pk, "members": ["0", "1", "2"]},
        )
        assert done.status_code == 302
    booked.refresh_from_db()
    assert booked.status == "checked_in" and booked.encounter_id is not None


def test_fairness_page_shows_aggregates_only(booked, users, client_as) -> None:
    page = client_as(users["analyst"]).get(reverse("appointments:fairness"))
    text = page.content.decode()
    assert 'data-dimension="nationality"' in text and 'data-group="HTI"' in text
    assert booked.registration.number not in text and "Jean" not in text


def test_analyst_sees_a_run_without_the_families(booked, users, client_as) -> None:
    url = reverse("appointments:run_detail", args=[booked.run_id])
    number = booked.registration.number.encode()
    analyst = client_as(users["analyst"]).get(url)
    assert analyst.status_code == 200 and booked.run.input_digest.encode() in analyst.content
    assert number not in analyst.content
    assert number in client_as(users["supervisor"]).get(url).content
    assert number in client_as(users["auditor"]).get(url).content


def test_admin_lists_are_read_only(booked, client) -> None:
    from asilo.web.accounts.models import User

    root = User.objects.create_superuser("root", password=None, role="admin")
    client.force_login(root, backend="django.contrib.auth.backends.ModelBackend")
    for model in ("appointment", "allocationrun", "portcapacity", "outboxmessage"):
        page = client.get(f"/admin/appointments/{model}/")
        assert page.status_code == 200, model
        assert client.get(f"/admin/appointments/{model}/add/").status_code == 403
    detail = client.get(f"/admin/appointments/appointment/{booked.pk}/change/")
    assert detail.status_code == 200 and b"Jean" not in detail.content


def test_detail_pages_and_endpoints_matrix(booked, users, client_as, bearer_as, client) -> None:
    pages = {
        reverse("appointments:run_detail", args=[booked.run_id]): {
            "supervisor",
            "analyst",
            "auditor",
        },
        reverse("appointments:checkin_done", args=[booked.pk]): {"officer", "supervisor"},
    }
    endpoints = {
        f"/api/v1/appointments/runs/{booked.run_id}": {"supervisor", "analyst", "auditor"},
        f"/api/v1/appointments/{booked.pk}": {"officer", "supervisor"},
    }
    for url, allowed in pages.items():
        assert client_as(None).get(url).status_code == 302
        for role in ROLES:
            expected = 200 if role in allowed else 403
            assert client_as(users[role]).get(url).status_code == expected, (url, role)
    for url, allowed in endpoints.items():
        assert client.get(url).status_code == 401
        for role in ROLES:
            response = client.get(url, headers=bearer_as(users[role]))
            assert response.status_code == (200 if role in allowed else 403), (url, role)
    assert (
        client.get("/api/v1/appointments/999999", headers=bearer_as(users["officer"])).json()[
            "errors"
        ][0]["code"]
        == "appointment_not_found"
    )
    # The family's own pages are public (they check the number and PIN themselves).
    assert client_as(None).get(reverse("appointments:family_login")).status_code == 200


@pytest.mark.django_db(transaction=True)  # the worker closes and reopens its connection
def test_queued_run_is_done_by_the_database_worker(
    register, supervisor, client_as, program
) -> None:
    """With the default django-tasks database backend the page only queues the run; the
    worker (``django-admin db_worker``) does it, and the page shows the outcome."""
    from django.core.management import call_command

    register(size=2, preferred_ports=[])
    tomorrow = timezone.localdate() + timedelta(days=1)
    client = client_as(supervisor)
    for start in (tomorrow + timedelta(days=30), tomorrow):  # the first has no capacity
        client.post(
            reverse("appointments:runs"), {"program": program.code, "start": start.isoformat()}
        )
    from asilo.web.appointments import services

    services.capacity_set(
        actor=supervisor, program=program, port="Laredo", day=tomorrow, capacity=5
    )
    page = client.get(reverse("appointments:runs"), {"program": program.code})
    assert page.content.count(b'data-status="READY"') == 2
    assert AllocationRun.objects.count() == 0  # nothing ran inside the request
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    run = AllocationRun.objects.get()
    assert run.allocated_count == 1 and run.run_by == supervisor
    page = client.get(reverse("appointments:runs"), {"program": program.code})
    text = page.content.decode()
    assert text.count('data-status="SUCCESSFUL"') == 2
    assert f'href="/appointments/runs/{run.pk}/"' in text
    assert "No port of this program has capacity from" in text
