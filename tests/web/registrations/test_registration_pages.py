"""The self-service pages through HTTP (no JavaScript): in Haitian Creole, Spanish and English,
the form's request id, a resubmission, errors, the status page and its PIN lock."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.test import Client
from registration_helpers import PORTS, at

from asilo.web.registrations.models import Registration, Status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def replay_june_2023(programs: dict[str, Any]) -> None:
    """The 2023 process ended in 2025: these pages replay it as of 1 June 2023."""
    programs[PORTS].rules_as_of = date(2023, 6, 1)
    programs[PORTS].save()


def client_in(language: str) -> Client:
    client = Client()
    client.cookies["django_language"] = language
    return client


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


def form_post(request_id: str, **changes: str) -> dict[str, Any]:
    post = {
        "client_request_id": request_id,
        "program": PORTS,
        "size": "2",
        "m0-given_names": "Jean Baptiste",
        "m0-surnames": "Pierre",
        "m0-date_of_birth": "1988-03-14",
        "m0-sex": "male",
        "m0-nationality": "HTI",
        "m1-given_names": "Widlyne",
        "m1-surnames": "Pierre",
        "m1-age": "6",
        "m1-sex": "female",
        "m1-nationality": "other",
        "m1-nationality_other": "chl",
        "m1-relationship": "child",
        "whatsapp": "+52 664 555 0000",
        "language": "ht",
        "waiting_city": "Tijuana",
        "port1": "San Ysidro",
        "port2": "Calexico",
        "languages": ["ht", "fr"],
    }
    post.update(changes)
    return post


@pytest.mark.parametrize(
    ("language", "phrase"),
    [
        ("ht", "Enskri tout fanmi ou yon sèl fwa"),
        ("es", "Registre a toda su familia una sola vez"),
        ("en", "Register your whole family once"),
    ],
)
def test_the_start_page_speaks_the_chosen_language(
    programs: dict[str, Any], language: str, phrase: str
) -> None:
    res = client_in(language).get("/registrations/")
    assert res.status_code == 200
    html = res.content.decode()
    assert phrase in html
    assert f'lang="{language}"' in html
    assert 'name="language"' in html  # the language picker is on every public page


def test_the_language_picker_works_without_javascript(programs: dict[str, Any]) -> None:
    client = Client()
    res = client.post("/i18n/setlang/", {"language": "ht", "next": "/registrations/"})
    assert res.status_code == 302
    assert "Enskri fanmi ou" in client.get("/registrations/").content.decode()


def test_register_in_creole_and_resubmit_without_a_second_registration(
    programs: dict[str, Any],
) -> None:
    client = client_in("ht")
    page = client.get("/registrations/new/", {"program": PORTS, "size": "2"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Moun 2" in html and "Voye enskripsyon an" in html
    assert "<script" not in html.split("</head>")[1]  # no script in the page body
    assert len(page.content) < 40_000
    request_id = hidden(html, "client_request_id")

    res = client.post("/registrations/new/", form_post(request_id))
    assert res.status_code == 302
    done = client.get(res["Location"])
    text = done.content.decode()
    number = Registration.objects.get().number
    assert number in text
    assert re.search(r'id="pin">\d{6}<', text)
    assert "2 moun enskri." in text
    # The family confirms its phone with the code sent to it before it joins the queue
    # (issue 11): the page asks for it, in Creole.
    assert "Konfime telefòn ou oswa imèl ou" in text and 'id="contact-code"' in text
    from registration_helpers import confirm_contact

    confirm_contact(Registration.objects.get())
    assert Registration.objects.get().status == "waiting"
    text = client.get(res["Location"]).content.decode()
    assert "Kalifye: w ap tann yon randevou" in text and 'id="contact-code"' not in text

    # A double tap: the same form posted again shows the same registration.
    again = client.post("/registrations/new/", form_post(request_id))
    assert again.status_code == 302 and again["Location"] == res["Location"]
    assert Registration.objects.count() == 1
    # From another phone (no session) the resubmission still creates nothing.
    other = client_in("ht").post("/registrations/new/", form_post(request_id))
    assert other.status_code == 302
    assert Registration.objects.count() == 1
    registration = Registration.objects.get()
    assert registration.language == "ht"
    assert [m.nationality for m in registration.members.all()] == ["HTI", "CHL"]
    assert registration.preferred_ports == ["San Ysidro", "Calexico"]


def test_errors_are_shown_in_creole_next_to_the_fields_and_nothing_is_saved(
    programs: dict[str, Any],
) -> None:
    client = client_in("ht")
    html = client.get("/registrations/new/", {"program": PORTS, "size": "2"}).content.decode()
    post = form_post(hidden(html, "client_request_id"), whatsapp="", **{"m1-age": "", "m0-sex": ""})
    res = client.post("/registrations/new/", post)
    assert res.status_code == 400
    text = res.content.decode()
    assert "Tanpri korije bagay sa yo:" in text
    assert "Moun 2: Ekri dat nesans lan, oswa laj la si ou pa konnen dat la." in text
    assert "Chwazi sèks la." in text
    assert "Bay omwen yon fason pou nou jwenn ou" in text
    # What was typed is kept, with the same request id.
    assert 'value="Jean Baptiste"' in text
    assert hidden(text, "client_request_id") == post["client_request_id"]
    assert Registration.objects.count() == 0


def test_an_unknown_program_is_a_clear_404_page(programs: dict[str, Any]) -> None:
    res = client_in("es").get("/registrations/new/", {"program": "nope"})
    assert res.status_code == 404
    assert "Ningún programa tiene este código." in res.content.decode()


def test_the_done_page_is_only_for_the_browser_that_registered(
    programs: dict[str, Any],
) -> None:
    client = client_in("en")
    html = client.get("/registrations/new/", {"program": PORTS, "size": "2"}).content.decode()
    location = client.post("/registrations/new/", form_post(hidden(html, "client_request_id")))[
        "Location"
    ]
    stranger = Client().get(location)
    assert stranger.status_code == 302 and stranger["Location"] == "/registrations/status/"


def register_one(family: Callable[..., dict[str, Any]], submit: Callable[..., Any]) -> Any:
    return submit(family())


def test_the_status_page_shows_status_and_reason_in_the_person_language(
    family: Callable[..., dict[str, Any]], submit: Callable[..., Any]
) -> None:
    result = register_one(family, submit)
    res = client_in("ht").post(
        "/registrations/status/",
        {"number": result.registration.number.lower().replace("-", " "), "pin": result.pin},
    )
    assert res.status_code == 200
    text = res.content.decode()
    assert "Kalifye: w ap tann yon randevou" in text
    assert "pwosesis randevou nan pò yo louvri pou moun tout nasyonalite" in text
    assert "cbp.gov" in text  # the rule's source


def test_wrong_pins_lock_the_number_after_the_limit(
    family: Callable[..., dict[str, Any]], submit: Callable[..., Any], settings: Any
) -> None:
    settings.ASILO_PIN_FAILURE_LIMIT = 3
    result = register_one(family, submit)
    number = result.registration.number
    wrong = "000000" if result.pin != "000000" else "111111"
    client = client_in("es")
    for _ in range(2):
        res = client.post("/registrations/status/", {"number": number, "pin": wrong})
        assert res.status_code == 401
        assert "El número de registro o el PIN no es correcto." in res.content.decode()
    res = client.post("/registrations/status/", {"number": number, "pin": wrong})
    assert res.status_code == 429
    assert "Demasiados PIN incorrectos" in res.content.decode()
    # Even the right PIN is refused while locked.
    res = client.post("/registrations/status/", {"number": number, "pin": result.pin})
    assert res.status_code == 429
    # The lock is the attempts' (a counter per number and per client, issue 11), not a mark
    # on the family's record: the family recovers through a code (test_registration_pin_lockout).
    registration = Registration.objects.get()
    assert registration.status == Status.WAITING


def test_an_unknown_number_gets_the_same_answer_as_a_wrong_pin(
    programs: dict[str, Any],
) -> None:
    res = client_in("en").post("/registrations/status/", {"number": "R-2222-2222", "pin": "1"})
    assert res.status_code == 401
    assert "The registration number or the PIN is wrong." in res.content.decode()


def test_a_caseworker_registers_a_family_without_a_phone(
    programs: dict[str, Any], make_user: Callable[..., Any], client_as: Callable[..., Client]
) -> None:
    caseworker = make_user("caseworker", organisation="Casa del Migrante")
    client = client_as(caseworker)
    html = client.get("/registrations/staff/new/", {"program": PORTS, "size": "2"}).content.decode()
    res = client.post(
        "/registrations/staff/new/", form_post(hidden(html, "client_request_id"), whatsapp="")
    )
    assert res.status_code == 302
    registration = Registration.objects.get()
    assert res["Location"] == f"/registrations/staff/{registration.number}/"
    assert registration.channel == "assisted"
    detail = client.get(f"/registrations/staff/{registration.number}/").content.decode()
    assert "Jean Baptiste" in detail and re.search(r'id="pin">\d{6}<', detail)


def test_the_callback_list_assigns_and_closes_a_task(
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    make_user: Callable[..., Any],
    client_as: Callable[..., Client],
) -> None:
    """A caseworker no longer takes an unassigned family; a supervisor assigns it (issue 11,
    finding 6), then the caseworker's list shows it and closes its call-back."""
    from asilo.web.accounts.models import Organisation
    from asilo.web.registrations.models import ReviewTask

    registration = submit(family()).registration  # self-service: nobody's yet
    task = registration.review_tasks.get(kind="callback")
    caseworker = make_user("caseworker", organisation="Casa del Migrante")
    client = client_as(caseworker)
    page = client.get("/registrations/staff/tasks/").content.decode()
    assert f'id="task-{task.pk}"' not in page  # not the caseworker's: not even listed
    client_as(make_user("supervisor")).post(
        "/registrations/staff/tasks/",
        {
            "action": "assign",
            "number": registration.number,
            "organisation": Organisation.objects.get(name="Casa del Migrante").pk,
        },
    )
    page = client.get("/registrations/staff/tasks/").content.decode()
    assert f'id="task-{task.pk}"' in page and registration.number in page
    bad = client.post(
        "/registrations/staff/tasks/", {"task": task.pk, "action": "close", "outcome": "x"}
    )
    assert bad.status_code == 400
    ok = client.post(
        "/registrations/staff/tasks/", {"task": task.pk, "action": "close", "outcome": "verified"}
    )
    assert ok.status_code == 200
    assert ReviewTask.objects.get(pk=task.pk).state == "closed"
    registration.refresh_from_db()
    assert registration.verified_by == caseworker


def test_the_status_page_shows_the_appointment_once_allocated(
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    programs: dict[str, Any],
    make_user: Callable[..., Any],
) -> None:
    from django.apps import apps

    if not apps.is_installed("asilo.web.appointments"):
        pytest.skip("the appointments app is not installed")
    from asilo.web.appointments import services as appointments

    now = at("2023-06-01 10:00")
    result = submit(family(preferred_ports=["San Ysidro"]), now=now)
    res = client_in("es").post(
        "/registrations/status/", {"number": result.registration.number, "pin": result.pin}
    )
    assert 'id="appointment"' not in res.content.decode()
    appointments.capacity_set(
        actor=make_user("supervisor"),
        program=programs[PORTS],
        port="San Ysidro",
        day=date(2023, 6, 5),
        capacity=10,
        now=now,
    )
    appointments.allocation_run(
        actor=None, program=programs[PORTS], start=date(2023, 6, 5), seed=7, now=now
    )
    res = client_in("es").post(
        "/registrations/status/", {"number": result.registration.number, "pin": result.pin}
    )
    text = res.content.decode()
    assert 'id="appointment"' in text
    assert "2023-06-05" in text and "San Ysidro" in text
    assert "Toda la familia viene junta." in text


def test_logs_carry_no_personal_data(
    programs: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    client = client_in("en")
    html = client.get("/registrations/new/", {"program": PORTS, "size": "2"}).content.decode()
    request_id = hidden(html, "client_request_id")
    client.post("/registrations/new/", form_post(request_id, **{"m0-sex": ""}))  # 400
    client.post("/registrations/new/", form_post(request_id))  # created
    client.post("/registrations/status/", {"number": "R-2222-2222", "pin": "000000"})  # 401
    logged = caplog.text
    assert "Bad Request" in logged  # the refusals were logged ...
    for personal in ("Jean Baptiste", "Pierre", "Widlyne", "1988-03-14", "+52 664"):
        assert personal not in logged  # ... without any personal data


def test_the_start_page_does_not_preselect_a_closed_program(programs: dict[str, Any]) -> None:
    """Issue 10: the start page pre-selected "2021 MPP wind-down", closed since 2021-12-06.
    Here the 2023 process replays 1 June 2023 (receiving) and the wind-down reads today's
    rules (closed): only the 2023 process is pre-selected, the other is marked."""
    html = client_in("en").get("/registrations/").content.decode()
    radios = re.findall(
        r'<input type="radio" name="program" value="([^"]+)" required( checked)?>', html
    )
    assert dict(radios) == {"mpp-wind-down-2021": "", PORTS: " checked"}
    assert "not receiving anyone on the rules of today" in html


def test_the_start_page_preselects_nothing_when_no_program_receives(
    programs: dict[str, Any],
) -> None:
    programs[PORTS].rules_as_of = None  # the 2023 process ended in January 2025
    programs[PORTS].save()
    html = client_in("es").get("/registrations/").content.decode()
    assert " checked>" not in html


def test_a_missing_name_is_one_error_not_two(programs: dict[str, Any]) -> None:
    """Issue 10: each person's name error appeared twice (given names and surnames)."""
    html = client_in("en").get(f"/registrations/new/?program={PORTS}&size=2").content.decode()
    post = form_post(hidden(html, "client_request_id"), **{"m1-given_names": "", "m1-surnames": ""})
    res = client_in("en").post("/registrations/new/", post)
    assert res.status_code == 400
    page = res.content.decode()
    assert page.count("Write the given names and the surnames.") == 2  # the list + the field
    assert page.count("Person 2: Write the given names and the surnames.") == 1


def test_the_date_hint_matches_the_field(programs: dict[str, Any]) -> None:
    """Issue 10: the hint said year-month-day while the browser's picker showed mm/dd/yyyy."""
    html = client_in("es").get(f"/registrations/new/?program={PORTS}&size=1").content.decode()
    field = re.search(r'<input[^>]+id="m0-date_of_birth"[^>]*>', html).group(0)
    assert 'type="text"' in field and 'placeholder="1990-04-25"' in field
    assert "año-mes-día, p. ej. 1990-04-25" in html


def test_import_without_a_file_says_so_and_names_the_accepted_values(
    programs: dict[str, Any], make_user: Callable[..., Any]
) -> None:
    """Issue 10: "Check and import" with no file led to a generic error page; the sex
    column's accepted values were not named."""
    client = client_in("es")
    client.force_login(make_user("caseworker"))
    page = client.get("/registrations/staff/import/").content.decode()
    assert re.search(
        r'id="sex-values">.*<code>female</code>.*<code>male</code>.*<code>x</code>', page
    )
    res = client.post("/registrations/staff/import/", {"program": PORTS})
    assert res.status_code == 400
    assert "Elija un archivo CSV para revisar e importar." in res.content.decode()
    assert 'id="import-error"' in res.content.decode()


def test_the_caseworker_tasks_filter_and_paginate(
    programs: dict[str, Any], make_user: Callable[..., Any], submit: Callable[..., Any], family
) -> None:
    """Issue 10: the task page was 65 cards, 13,000 px tall, with no filter."""
    caseworker = make_user("caseworker")
    numbers = []
    for k in range(25):
        made = submit(family(), actor=caseworker, source=f"192.0.2.{k}")
        numbers.append(made.registration.number)
    client = client_in("en")
    client.force_login(caseworker)
    first = client.get("/registrations/staff/tasks/", {"kind": "callback"}).content.decode()
    assert "25 tasks." in first and first.count('class="box" id="task-') == 20
    assert "Page 1 of 2" in first
    second = client.get("/registrations/staff/tasks/", {"kind": "callback", "page": 2})
    assert second.content.decode().count('class="box" id="task-') == 5
    one = client.get(
        "/registrations/staff/tasks/", {"family": numbers[3].lower(), "kind": "callback"}
    )
    body = one.content.decode()
    assert "1 task." in body and numbers[3] in body
    assert "a_number_given" not in body and "No A-number was given." in body
    bad = client.get("/registrations/staff/tasks/", {"kind": "fastest_finger"})
    assert bad.status_code == 400 and "fastest_finger" in bad.content.decode()


def test_the_registration_page_flags_a_vulnerability_and_marks_a_duplicate(
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    make_user: Callable[..., Any],
    client_as: Callable[..., Client],
) -> None:
    """The page's two forms reach their services; a refusal is shown and saves nothing; an
    unknown action changes nothing."""
    from asilo.web.audit.models import AuditEntry

    caseworker = make_user("caseworker", organisation="Casa del Migrante")
    registration = submit(family(phone=""), actor=caseworker).registration
    other = submit(family(phone=""), actor=caseworker).registration
    client = client_as(caseworker)
    page = f"/registrations/staff/{registration.number}/"
    flagged = client.post(page, {"action": "flag", "vulnerability": "pregnancy", "note": "seen"})
    assert flagged.status_code == 200 and "Saved." in flagged.content.decode()
    registration.refresh_from_db()
    assert registration.vulnerabilities == ["pregnancy"]
    unknown = client.post(page, {"action": "duplicate", "other_number": "X-1", "note": "same"})
    assert unknown.status_code == 400
    assert "No registration has this number." in unknown.content.decode()
    marks = AuditEntry.objects.filter(note="suspected duplicate marked")
    assert not marks.exists()
    marked = client.post(
        page, {"action": "duplicate", "other_number": other.number, "note": "same family"}
    )
    assert marked.status_code == 200 and "Saved." in marked.content.decode()
    assert marks.count() == 1
    assert any(
        set(t.registrations.all()) == {registration, other}
        for t in registration.review_tasks.filter(kind="duplicate_person")
    )
    ignored = client.post(page, {"action": "shred", "note": "x"})
    assert ignored.status_code == 200 and "Saved." not in ignored.content.decode()
