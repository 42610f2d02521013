"""Custody clocks, book-out with the family rule, exceptions, override review, person and
family pages (audited views)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from asilo.web.audit.models import AuditEntry
from asilo.web.encounters import services
from asilo.web.encounters.models import (
    Custody,
    ExceptionStatus,
    FamilyException,
    Override,
    ReunificationTask,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(make_user: Callable[..., Any]) -> Any:
    return make_user("officer", "officer-custody")


@pytest.fixture
def supervisor(make_user: Callable[..., Any]) -> Any:
    return make_user("supervisor", "supervisor-custody")


def test_custody_list_shows_overdue_by_text_and_icon_and_polls(
    record: Callable[..., Any],
    child_document: dict[str, Any],
    officer: Any,
    client_as: Callable[..., Client],
) -> None:
    child = record(child_document)
    custody = child.custodies.get()
    assert custody.limit_hours == 72
    custody_id = custody.pk
    # The clock started 80 hours ago (as the demo's overdue child): move book-in and due back.
    past = timezone.now() - timedelta(hours=80)
    Custody.objects.filter(pk=custody_id).update(
        booked_in_at=past, due_at=past + timedelta(hours=72)
    )
    client = client_as(officer)
    page = client.get(reverse("processing:custody_list")).content.decode()
    row = re.search(
        rf'<tr class="ap-row-overdue" data-custody="{custody_id}">(.*?)</tr>', page, re.S
    )
    assert row, "the overdue custody's row is marked"
    assert "OVERDUE by 8 h" in row.group(1)
    assert 'class="ap-clock ap-overdue"' in row.group(1)  # the icon comes with this class
    assert 'hx-trigger="every 60s"' in page
    partial = client.get(
        reverse("processing:custody_list") + "?status=overdue", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert partial.lstrip().startswith('<tbody id="custody-rows"')
    assert f'data-custody="{custody_id}"' in partial
    near = client.get(reverse("processing:custody_list") + "?status=near_due").content.decode()
    assert f'data-custody="{custody_id}"' not in near


def test_clock_counts_down(
    record: Callable[..., Any],
    child_document: dict[str, Any],
    officer: Any,
    client_as: Callable[..., Client],
) -> None:
    custody = record(child_document).custodies.get()
    due = timezone.now() + timedelta(hours=5, minutes=30, seconds=30)
    # A live custody (booked in 66.5 hours ago): the dashboard shows the live day.
    Custody.objects.filter(pk=custody.pk).update(due_at=due, booked_in_at=due - timedelta(hours=72))
    page = client_as(officer).get(reverse("processing:dashboard")).content.decode()
    assert "5 h 30 min left" in page
    assert "due soon" in page


def _confirmed_family(record: Callable[..., Any]) -> tuple[Any, list[Custody]]:
    family = record()
    services.decision_confirm(actor=family.recorded_by, encounter_id=family.pk)
    return family, list(family.custodies.order_by("id"))


def test_book_out_family_rule_exception_and_reunification(
    record: Callable[..., Any],
    officer: Any,
    supervisor: Any,
    client_as: Callable[..., Client],
) -> None:
    family, (parent, child) = _confirmed_family(record)
    client = client_as(officer)
    # The child may not be released on her own while her parent stays, nor the parent leave
    # her alone: refused with the child named, nothing changed.
    before = AuditEntry.objects.filter(action="book_out").count()
    alone = client.post(
        reverse("processing:book_out", args=[child.pk]), {"outcome": "released_nta"}
    )
    assert alone.status_code == 409
    refused = client.post(
        reverse("processing:book_out", args=[parent.pk]), {"outcome": "transferred_ice"}
    )
    page = refused.content.decode()
    assert refused.status_code == 409
    assert 'id="id_outcome_error"' in page
    assert "A child is never left alone" in page
    child_person = child.person
    assert f"{child_person.full_name} (age 7)" in page
    assert '<details open id="exception">' in page
    parent.refresh_from_db()
    child.refresh_from_db()
    assert parent.is_open and child.is_open
    assert AuditEntry.objects.filter(action="book_out").count() == before

    short = client.post(
        reverse("processing:exception_request", args=[parent.pk]),
        {"x-outcome": "transferred_ice", "x-reason": "warrant"},
    )
    assert short.status_code == 400
    assert 'id="id_x-reason_error"' in short.content.decode()
    assert not FamilyException.objects.exists()

    asked = client.post(
        reverse("processing:exception_request", args=[parent.pk]),
        {"x-outcome": "transferred_ice", "x-reason": "An outstanding warrant requires ICE."},
    )
    assert asked.status_code == 302
    exception = FamilyException.objects.get()

    # The officer may see the request but not decide it.
    assert (
        client.post(
            reverse("processing:exception_decide", args=[exception.pk]),
            {f"e{exception.pk}-decision": "approve", f"e{exception.pk}-note": "Looks fine to me."},
        ).status_code
        == 403
    )

    boss = client_as(supervisor)
    listing = boss.get(reverse("processing:exception_list")).content.decode()
    assert f'id="exception-{exception.pk}"' in listing
    no_note = boss.post(
        reverse("processing:exception_decide", args=[exception.pk]),
        {f"e{exception.pk}-decision": "approve", f"e{exception.pk}-note": ""},
    )
    assert no_note.status_code == 400
    exception.refresh_from_db()
    assert exception.status == ExceptionStatus.PENDING
    approved = boss.post(
        reverse("processing:exception_decide", args=[exception.pk]),
        {f"e{exception.pk}-decision": "approve", f"e{exception.pk}-note": "Warrant confirmed."},
    )
    assert approved.status_code == 302
    exception.refresh_from_db()
    assert exception.status == ExceptionStatus.APPROVED
    task = ReunificationTask.objects.get()
    assert task.family_unit_id == family.family_unit_id

    done = client.post(
        reverse("processing:book_out", args=[parent.pk]), {"outcome": "transferred_ice"}
    )
    assert done.status_code == 302
    parent.refresh_from_db()
    assert (parent.outcome, parent.family_exception_id) == ("transferred_ice", exception.pk)
    # The child left without her parent is now an unaccompanied child: decided again alone as
    # of that moment, with the 72-hour legal limit counted from it.
    child.refresh_from_db()
    assert child.unaccompanied_since == parent.booked_out_at
    assert child.limit_hours == 72
    assert child.due_at == parent.booked_out_at + timedelta(hours=72)
    assert child.redecision is not None and child.redecision["pathway"] == "orr_transfer"
    followed = client.get(done["Location"]).content.decode()
    assert "Booked out: Transferred to ICE." in followed
    family_page = client.get(
        reverse("processing:family_detail", args=[family.family_unit_id])
    ).content.decode()
    assert f"#{task.pk}" in family_page


def test_book_out_needs_a_decision_first_and_an_outcome(
    record: Callable[..., Any],
    child_document: dict[str, Any],
    officer: Any,
    client_as: Callable[..., Client],
) -> None:
    custody = record(child_document).custodies.get()
    client = client_as(officer)
    pending = client.post(
        reverse("processing:book_out", args=[custody.pk]), {"outcome": "transferred_orr"}
    )
    assert pending.status_code == 409
    assert "Confirm or override the decision before booking out." in pending.content.decode()
    empty = client.post(reverse("processing:book_out", args=[custody.pk]), {"outcome": ""})
    assert empty.status_code == 400
    assert "Choose the outcome." in empty.content.decode()
    custody.refresh_from_db()
    assert custody.is_open
    assert client.get(reverse("processing:book_out", args=[99999])).status_code == 404


def test_supervisor_reviews_an_override_but_not_their_own(
    record: Callable[..., Any],
    child_document: dict[str, Any],
    supervisor: Any,
    make_user: Callable[..., Any],
    client_as: Callable[..., Client],
) -> None:
    mine = record(child_document, actor=supervisor)
    own = services.decision_override(
        actor=supervisor,
        encounter_id=mine.pk,
        authority="title_8",
        pathway="processing",
        destination=None,
        reason="The child's mother is at the port; keep them together.",
    )
    other = record(child_document)
    theirs = services.decision_override(
        actor=other.recorded_by,
        encounter_id=other.pk,
        authority="title_8",
        pathway="processing",
        destination=None,
        reason="The child's father is at the port; keep them together.",
    )
    boss = client_as(supervisor)
    page = boss.get(reverse("processing:override_list")).content.decode()
    assert f'id="override-{own.pk}"' in page and f'id="override-{theirs.pk}"' in page
    dashboard = boss.get(reverse("processing:dashboard")).content.decode()
    assert "Overrides awaiting review" in dashboard

    self_review = boss.post(
        reverse("processing:override_review", args=[own.pk]), {f"o{own.pk}-verdict": "upheld"}
    )
    assert self_review.status_code == 400
    assert "may not review their own override" in self_review.content.decode()
    no_note = boss.post(
        reverse("processing:override_review", args=[theirs.pk]),
        {f"o{theirs.pk}-verdict": "overturned", f"o{theirs.pk}-note": ""},
    )
    assert no_note.status_code == 400
    assert Override.objects.filter(reviewed_at__isnull=False).count() == 0
    upheld = boss.post(
        reverse("processing:override_review", args=[theirs.pk]),
        {f"o{theirs.pk}-verdict": "upheld", f"o{theirs.pk}-note": ""},
    )
    assert upheld.status_code == 302
    theirs.refresh_from_db()
    assert (theirs.verdict, theirs.reviewed_by_id) == ("upheld", supervisor.pk)
    officer_dashboard = client_as(make_user("officer")).get(reverse("processing:dashboard"))
    assert "Overrides awaiting review" not in officer_dashboard.content.decode()


def test_person_page_shows_identity_and_history_and_is_audited(
    record: Callable[..., Any], officer: Any, client_as: Callable[..., Client]
) -> None:
    family = record()
    person_id = family.participants.get(position=0).person_id
    page = client_as(officer).get(reverse("processing:person_detail", args=[person_id]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "María José López Hernández" in text
    assert f'href="/processing/encounters/{family.pk}/"' in text
    assert f'href="/processing/families/{family.family_unit_id}/"' in text
    assert AuditEntry.objects.filter(
        actor=officer, action="view", object_type="people.person", object_id=str(person_id)
    ).exists()


def test_person_page_refused_for_analyst_and_the_refusal_is_logged(
    record: Callable[..., Any], make_user: Callable[..., Any], client_as: Callable[..., Client]
) -> None:
    family = record()
    person_id = family.participants.get(position=0).person_id
    analyst = make_user("analyst")
    response = client_as(analyst).get(reverse("processing:person_detail", args=[person_id]))
    assert response.status_code == 403
    assert "María" not in response.content.decode()
    assert AuditEntry.objects.filter(
        actor=analyst, action="refused", object_type="people.person", object_id=str(person_id)
    ).exists()
    assert not AuditEntry.objects.filter(actor=analyst, action="view").exists()


def test_family_page_lists_members_and_audits_each(
    record: Callable[..., Any], make_user: Callable[..., Any], client_as: Callable[..., Client]
) -> None:
    family = record()
    auditor = make_user("auditor")
    page = (
        client_as(auditor)
        .get(reverse("processing:family_detail", args=[family.family_unit_id]))
        .content.decode()
    )
    assert "María José López Hernández" in page and "Dylan Martínez" in page
    views = AuditEntry.objects.filter(actor=auditor, action="view")
    assert views.filter(object_type="people.familyunit").count() == 1
    assert views.filter(object_type="people.person").count() == 2
    assert (
        client_as(auditor).get(reverse("processing:family_detail", args=[999])).status_code == 404
    )


def test_unknown_records_answer_404(officer: Any, client_as: Callable[..., Client]) -> None:
    client = client_as(officer)
    assert client.get(reverse("processing:encounter_detail", args=[4242])).status_code == 404
    assert client.get(reverse("processing:person_detail", args=[4242])).status_code == 404


def test_encounter_page_shows_names_roles_and_the_family_with_one_audited_read(
    record: Callable[..., Any],
    family_document: dict[str, Any],
    officer: Any,
    make_user: Callable[..., Any],
    client_as: Callable[..., Client],
) -> None:
    """Before: "Person #85 / 32 / HND" — no name, no family role, one audited read per person
    opened to tell the mother from her child."""
    family_document["people"][1]["sex"] = "male"
    encounter = record(family_document)
    before = AuditEntry.objects.filter(action="view").count()
    page = (
        client_as(officer)
        .get(reverse("processing:encounter_detail", args=[encounter.pk]))
        .content.decode()
    )
    assert "María José López Hernández" in page and "Dylan Martínez" in page
    assert "Mother" in page and "Son" in page
    glance = re.search(r'<ul class="ap-family" id="family-glance".*?</ul>', page, re.S)
    assert glance and "Mother (31), Son (7)" in glance.group(0)
    assert "Standard (72 h):" in page
    views = AuditEntry.objects.filter(action="view").order_by("id")[before:]
    # One read of the encounter, one read of the names of its people (ids, never names).
    assert [(v.object_type, v.note) for v in views] == [
        ("encounters.encounter", ""),
        ("people.person", "encounter_page"),
    ]
    assert sorted(views[1].after["people"]) == sorted(
        encounter.participants.values_list("person_id", flat=True)
    )
    assert "López" not in str(views[1].after)


def test_family_books_out_together_from_the_encounter_page(
    record: Callable[..., Any], officer: Any, client_as: Callable[..., Client]
) -> None:
    family, (parent, child) = _confirmed_family(record)
    client = client_as(officer)
    page = client.get(reverse("processing:encounter_detail", args=[family.pk])).content.decode()
    assert 'id="book-out-family1"' in page
    done = client.post(
        reverse("processing:book_out", args=[parent.pk]), {"outcome": "expelled", "family": "on"}
    )
    assert done.status_code == 302
    parent.refresh_from_db()
    child.refresh_from_db()
    assert (parent.outcome, child.outcome) == ("expelled", "expelled")
    assert (
        "Booked out together, 2 people: Expelled." in client.get(done["Location"]).content.decode()
    )


def test_exception_card_notification_and_reunification_task_as_work(
    record: Callable[..., Any],
    officer: Any,
    supervisor: Any,
    client_as: Callable[..., Client],
) -> None:
    """Before: the card said "Custody #86 · Outcome asked: Transferred to ORR" (no age, no
    family, no link), the officer was never told the answer, and the task stayed "Open"."""
    family, (_parent, child) = _confirmed_family(record)
    client, boss = client_as(officer), client_as(supervisor)
    client.post(
        reverse("processing:exception_request", args=[child.pk]),
        {"x-outcome": "transferred_orr", "x-reason": "Child admitted to hospital in McAllen."},
    )
    exception = FamilyException.objects.get()
    listing = client.get(reverse("processing:exception_list")).content.decode()
    card = re.search(
        rf'<article class="ap-card" id="exception-{exception.pk}".*?</article>', listing, re.S
    )
    assert card is not None
    text = card.group(0)
    assert "Dylan Martínez" in text and "age 7" in text
    assert "María José López Hernández" in text and "still in custody" in text
    assert reverse("processing:encounter_detail", args=[family.pk]) in text
    home = client.get(reverse("processing:dashboard")).content.decode()
    assert 'class="nav-badge"' not in home
    assert reverse("processing:exception_list") in home  # in the officer's navigation

    boss.post(
        reverse("processing:exception_decide", args=[exception.pk]),
        {f"e{exception.pk}-decision": "approve", f"e{exception.pk}-note": "Admission confirmed."},
    )
    home = client.get(reverse("processing:dashboard")).content.decode()
    assert re.search(r'class="nav-badge">1<span class="visually-hidden"> unread</span>', home)
    inbox = client.get(reverse("processing:notifications")).content.decode()
    assert f"Your family exception #{exception.pk} (Transferred to ORR) was approved by" in inbox
    assert "Admission confirmed." in inbox
    client.post(reverse("processing:notifications"))
    assert 'class="nav-badge"' not in client.get(reverse("processing:dashboard")).content.decode()

    task = ReunificationTask.objects.get()
    for step in ("contact_made", "located"):
        assert (
            client.post(reverse("processing:task_step", args=[task.pk]), {"step": step}).status_code
            == 302
        )
    again = client.post(
        reverse("processing:task_step", args=[task.pk]), {"step": "located"}, follow=True
    )
    assert "This step was already recorded." in again.content.decode()
    short = client.post(
        reverse("processing:task_note", args=[task.pk]), {f"n{task.pk}-text": "short"}
    )
    assert short.status_code == 400
    noted = client.post(
        reverse("processing:task_note", args=[task.pk]),
        {f"n{task.pk}-text": "Called the mother's cousin in Houston; she will host."},
        follow=True,
    )
    assert "Called the mother&#x27;s cousin in Houston" in noted.content.decode()
    closed = client.post(
        reverse("processing:task_close", args=[task.pk]),
        {f"c{task.pk}-outcome": "reunited", f"c{task.pk}-note": "Child discharged and reunited."},
        follow=True,
    )
    assert "Reunification task closed: Reunited." in closed.content.decode()
    task.refresh_from_db()
    assert (task.status, task.closing_outcome) == ("closed", "reunited")
    assert task.contact_made_at and task.located_at and task.notes.count() == 1


def test_dashboard_shows_children_alone_and_hours_beyond_the_standard(
    record: Callable[..., Any], officer: Any, client_as: Callable[..., Client]
) -> None:
    """Before: a 4-year-old alone in custody was flagged nowhere."""
    client = client_as(officer)
    family, (parent, child) = _confirmed_family(record)
    page = client.get(reverse("processing:dashboard")).content.decode()
    panel = re.search(
        r'<section aria-labelledby="alone-h" id="children-alone">.*?</section>', page, re.S
    )
    assert panel and "None: every child in custody" in panel.group(0)
    report = re.search(r'<section aria-labelledby="standard-h".*?</section>', page, re.S)
    assert report and '<th scope="row">Rio Grande Valley</th><td>2</td><td>2</td>' in report.group(
        0
    )
    # Written around the services (an import): the dashboard raises the alarm.
    Custody.objects.filter(pk=parent.pk).update(booked_out_at=timezone.now(), outcome="expelled")
    page = client.get(reverse("processing:dashboard")).content.decode()
    panel = re.search(
        r'<section aria-labelledby="alone-h" id="children-alone">.*?</section>', page, re.S
    )
    assert panel and 'role="alert"' in panel.group(0)
    assert f"person #{child.person_id}, age 7" in panel.group(0)
    assert reverse("processing:encounter_detail", args=[family.pk]) in panel.group(0)
