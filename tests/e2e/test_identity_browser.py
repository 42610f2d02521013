"""Identity resolution in the browser (issue 14):

1. an officer records a man encountered a week earlier under another spelling ("Jose Lopez"
   now, "José López Hernández" then, the same date of birth) and sees the earlier encounter
   on the encounter page;
2. a supervisor opens the review queue from the navigation, sees a borderline pair side by
   side, decides "same person", then undoes it (English and Spanish);
3. a family registers again through the self-service pages, with its names spelled
   differently, and is held as a possible duplicate registration (the supervisor sees the
   hold).

axe-core checks each page on the way (WCAG 2.x A/AA)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from asilo.web.accounts.models import User
from asilo.web.encounters import services as enc_services
from asilo.web.encounters.models import Encounter
from asilo.web.identity import services as identity_services
from asilo.web.identity.models import IdentityRecord, PairStatus, ReviewPair, RunTrigger
from asilo.web.registrations import services as reg_services
from asilo.web.registrations.models import Program, Registration, ReviewTask, TaskKind
from asilo.web.registrations.programs import ensure_default_programs


def screenshots() -> Path:
    path = Path(__file__).resolve().parents[2] / "var" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def no_serious_violations(page: Any, where: str) -> None:
    """axe-core (WCAG 2.x A/AA rules) finds no serious or critical violation on the page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]}
        },
    )
    serious = [
        (v["id"], v["help"], len(v["nodes"]))
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
    assert serious == [], f"{where}: {serious}"


def record(on: str, **person: Any) -> Encounter:
    officer = User.objects.get(username="demo.officer")
    born = date.fromisoformat(person["date_of_birth"])
    day = date.fromisoformat(on)
    person.setdefault("age", day.year - born.year - ((day.month, day.day) < (born.month, born.day)))
    doc = {
        "date": on,
        "time": "07:30",
        "place": {"kind": "between_ports", "name": "El Paso"},
        "people": [person],
    }
    return enc_services.encounter_record(
        actor=officer, prepared=enc_services.prepare_encounter(doc)
    ).encounter


def test_an_officer_sees_that_the_man_was_encountered_a_week_earlier(
    page: Any, site: str, sign_in: Any, demo_password: Any
) -> None:
    earlier = record(
        "2022-05-03",
        given_names="José",
        first_surname="López",
        second_surname="Hernández",
        date_of_birth="1988-02-14",
        sex="male",
        nationality="MEX",
    )
    identity_services.identity_run(actor=None, trigger=RunTrigger.COMMAND)

    sign_in(page, "demo.officer", demo_password("officer"))
    page.goto(f"{site}/processing/encounters/new/")
    page.get_by_label("Date of the encounter").fill("2022-05-10")
    page.get_by_label("Time (local time at the place)").fill("06:15")
    page.get_by_label("Sector or port of entry").select_option("between_ports|El Paso")
    page.get_by_role("radio", name="No").check()
    page.locator("#id_m-0-given_names").fill("Jose")
    page.locator("#id_m-0-first_surname").fill("Lopez")
    page.locator("#id_m-0-date_of_birth").fill("1988-02-14")
    page.locator("#id_m-0-age").fill("34")
    page.locator("#id_m-0-sex").select_option("male")
    page.locator("#id_m-0-nationality").fill("MEX")
    page.get_by_role("button", name="Record and see the decision").click()
    page.wait_for_url("**/processing/encounters/*/")

    seen = page.locator("#seen-before")
    seen.wait_for()
    assert seen.get_by_role("heading", name="Seen before").is_visible()
    link = seen.get_by_role("link", name=f"Encounter #{earlier.pk}")
    assert link.get_attribute("href") == f"/processing/encounters/{earlier.pk}/"
    assert "2022-05-03" in seen.inner_text() and "El Paso" in seen.inner_text()
    new = Encounter.objects.exclude(pk=earlier.pk).get()
    a = IdentityRecord.objects.get(person__encounters__encounter=earlier)
    b = IdentityRecord.objects.get(person__encounters__encounter=new)
    assert a.identity_id == b.identity_id
    no_serious_violations(page, "encounter page with seen before")
    page.screenshot(path=str(screenshots() / "identity_seen_before.png"), full_page=True)


def test_a_supervisor_resolves_a_borderline_pair(
    page: Any, site: str, sign_in: Any, demo_password: Any
) -> None:
    record("2022-04-12", given_names="Luis Alberto", first_surname="Ramírez",
           second_surname="Flores", date_of_birth="1979-11-30", sex="male",
           nationality="MEX")  # fmt: skip
    record("2022-05-10", given_names="Luis A.", first_surname="Ramírez",
           date_of_birth="1979-11-30", sex="male", nationality="MEX")  # fmt: skip
    identity_services.identity_run(actor=None, trigger=RunTrigger.COMMAND)
    pair = ReviewPair.objects.get(status=PairStatus.OPEN)

    sign_in(page, "demo.supervisor", demo_password("supervisor"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Same person?").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Same person? Pairs for review").is_visible()
    no_serious_violations(page, "review queue")
    page.get_by_role("link", name=f"Pair #{pair.pk}").click()
    page.wait_for_load_state()
    table = page.locator("#side-by-side")
    assert "Luis Alberto" in table.inner_text() and "Luis A." in table.inner_text()
    no_serious_violations(page, "review pair")
    page.get_by_role("button", name="Same person").click()
    page.wait_for_load_state()
    assert page.locator("#pair-status").inner_text() == "Same person"
    pair.refresh_from_db()
    assert pair.status == PairStatus.SAME
    pair.left.refresh_from_db()
    pair.right.refresh_from_db()
    assert pair.left.identity_id == pair.right.identity_id
    no_serious_violations(page, "review pair decided")
    page.get_by_role("button", name="Undo this decision").click()
    page.wait_for_load_state()
    assert page.locator("#pair-status").inner_text() == "Awaiting a decision"
    pair.refresh_from_db()
    assert pair.status == PairStatus.OPEN

    # The same pages in Spanish.
    page.select_option("#language-select", "es")
    page.locator("form.language button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("button", name="Personas distintas").is_visible()
    no_serious_violations(page, "review pair (es)")
    page.get_by_role("navigation", name="Principal").get_by_role(
        "link", name="¿Misma persona?"
    ).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="¿Misma persona? Pares por revisar").is_visible()
    page.screenshot(path=str(screenshots() / "identity_review_queue_es.png"), full_page=True)


def test_a_family_registered_again_is_held(
    page: Any, site: str, sign_in: Any, demo_password: Any
) -> None:
    ensure_default_programs()
    Program.objects.filter(code="port-appointments-2023").update(rules_as_of=date(2023, 6, 1))
    first = reg_services.registration_submit(
        actor=None,
        data={
            "program": "port-appointments-2023",
            "client_request_id": "7a4e2b1c-9d3f-4e8a-b6c5-0f1e2d3c4b5a",
            "members": [
                {"given_names": "Jean Baptiste", "surnames": "Pierre",
                 "date_of_birth": "1988-03-14", "sex": "male", "nationality": "HTI"},
                {"given_names": "Widlyne", "surnames": "Pierre Joseph", "age": "6",
                 "sex": "female", "nationality": "HTI", "relationship": "child"},
            ],
            "whatsapp": "+52 664 555 0101",
            "waiting_city": "Tijuana",
            "preferred_ports": ["San Ysidro"],
            "languages": ["ht"],
            "language": "ht",
        },
        source="partner",
    ).registration  # fmt: skip

    # The family registers again on its own, names written differently (too different for
    # the name-and-birth-date signal, not for identity resolution).
    page.goto(f"{site}/registrations/new/?program=port-appointments-2023&size=2")
    page.fill("#m0-given_names", "Jean")  # the second given name left out
    page.fill("#m0-surnames", "Pierre")
    page.fill("#m0-date_of_birth", "1988-03-14")
    page.select_option("#m0-sex", "male")
    page.select_option("#m0-nationality", "HTI")
    page.fill("#m1-given_names", "Widlyne")
    page.fill("#m1-surnames", "Pierre")
    page.fill("#m1-age", "6")
    page.select_option("#m1-sex", "female")
    page.select_option("#m1-nationality", "HTI")
    page.select_option("#m1-relationship", "child")
    page.fill("#phone", "+52 664 555 0202")
    page.select_option("#waiting_city", "Tijuana")
    page.select_option("#port1", "San Ysidro")
    page.get_by_role("button", name="Send the registration").click()
    page.wait_for_load_state()
    number = page.locator("#number").inner_text().strip()
    second = Registration.objects.get(number=number)
    task = ReviewTask.objects.get(kind=TaskKind.DUPLICATE_REGISTRATION)
    assert set(task.registrations.values_list("id", flat=True)) == {first.pk, second.pk}
    from asilo.web.registrations.fraud import held_registrations

    held = set(
        Registration.objects.filter(id__in=held_registrations()).values_list("id", flat=True)
    )
    assert {first.pk, second.pk} <= held

    # The supervisor sees the hold among the review tasks.
    sign_in(page, "demo.supervisor", demo_password("supervisor"))
    page.goto(f"{site}/registrations/staff/tasks/?kind=duplicate_family")
    box = page.locator(f"#task-{task.pk}")
    assert "Possible duplicate registration" in box.inner_text()
    no_serious_violations(page, "review tasks with the hold")
