"""Issue 11, finding 6: "any caseworker can claim any unassigned family: a caseworker of a
second organisation took 20 of 20 unassigned self-service families by task id and then saw
their phones, names and dates of birth; 'mark duplicate' reveals whether another
organisation's registration number exists."

Now an unassigned self-service family is given to an organisation by the published rule (by
port or program) or by a supervisor; no caseworker takes one; "mark duplicate" finds only
what the caseworker may see; every refusal is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from asilo.web.accounts.models import Organisation
from asilo.web.audit.models import AuditEntry
from asilo.web.core.errors import Forbidden
from asilo.web.registrations import selectors, services
from asilo.web.registrations.assignment import registration_assign
from asilo.web.registrations.errors import RegistrationError
from asilo.web.registrations.models import Registration, ReviewTask, TaskKind

pytestmark = pytest.mark.django_db
OURS = "Casa del Migrante (test)"
THEIRS = "Otra Organización (test)"


@pytest.fixture
def caseworkers(make_user: Callable[..., Any]) -> tuple[Any, Any]:
    return make_user("caseworker", organisation=OURS), make_user("caseworker", organisation=THEIRS)


def test_no_caseworker_takes_an_unassigned_family(
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    caseworkers: tuple[Any, Any],
    client_as: Callable[..., Client],
) -> None:
    _ours, theirs = caseworkers
    registrations = [submit(family(phone=f"+52 664 400 {k:04d}")).registration for k in range(3)]
    callbacks = [r.review_tasks.get(kind=TaskKind.CALLBACK) for r in registrations]
    # Not in any caseworker's queue, not even without the personal data.
    assert list(selectors.review_tasks_for(theirs, kind=TaskKind.CALLBACK)) == []
    client = client_as(theirs)
    page = client.get("/registrations/staff/tasks/").content.decode()
    assert not any(f'id="task-{t.pk}"' in page for t in callbacks)
    before = AuditEntry.objects.filter(action="refused").count()
    for task in callbacks:  # the attack: taking them by task id
        client.post("/registrations/staff/tasks/", {"task": task.pk, "action": "take"})
        with pytest.raises(RegistrationError):
            services.review_task_close(actor=theirs, task_id=task.pk, outcome="verified")
    assert Registration.objects.filter(organisation__isnull=False).count() == 0
    for registration in registrations:
        assert client.get(f"/registrations/staff/{registration.number}/").status_code == 404
    assert AuditEntry.objects.filter(action="refused").count() > before


def test_the_published_rule_assigns_by_port_then_by_program(
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    caseworkers: tuple[Any, Any],
    settings: Any,
) -> None:
    ours, _theirs = caseworkers
    settings.ASILO_ASSIGNMENT_RULES = (
        f"port:Hidalgo={THEIRS}; program:port-appointments-2023={OURS}"
    )
    by_port = submit(family(preferred_ports=["Hidalgo", "San Ysidro"])).registration
    by_program = submit(
        family(preferred_ports=["San Ysidro"], phone="+52 664 400 0009")
    ).registration
    assert by_port.organisation.name == THEIRS
    assert by_program.organisation.name == OURS
    ours_tasks = {t.pk for t in selectors.review_tasks_for(ours, kind=TaskKind.CALLBACK)}
    assert ours_tasks == {by_program.review_tasks.get(kind=TaskKind.CALLBACK).pk}
    created = AuditEntry.objects.get(
        action="create",
        object_type="registrations.registration",
        object_id=str(by_port.pk),
        note__startswith="channel=",
    )
    assert created.after["assigned_by_rule"] == "port:Hidalgo"


def test_a_supervisor_assigns_and_a_caseworker_may_not(
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    caseworkers: tuple[Any, Any],
    make_user: Callable[..., Any],
    client_as: Callable[..., Client],
) -> None:
    ours, theirs = caseworkers
    registration = submit(family()).registration
    organisation = Organisation.objects.get(name=OURS)
    with pytest.raises(Forbidden):
        registration_assign(
            actor=theirs, number=registration.number, organisation_id=organisation.pk
        )
    assert AuditEntry.objects.filter(
        action="refused", actor=theirs, note="missing capability registration.review_holds"
    ).exists()
    supervisor = make_user("supervisor")
    page = client_as(supervisor).get("/registrations/staff/tasks/?kind=callback").content.decode()
    assert registration.number in page and 'name="organisation"' in page
    answer = client_as(supervisor).post(
        "/registrations/staff/tasks/",
        {"action": "assign", "number": registration.number, "organisation": organisation.pk},
    )
    assert answer.status_code == 200
    registration.refresh_from_db()
    assert registration.organisation == organisation
    assert AuditEntry.objects.filter(
        action="update", note="assigned by a supervisor", object_id=str(registration.pk)
    ).exists()
    callback = registration.review_tasks.get(kind=TaskKind.CALLBACK)
    assert callback in selectors.review_tasks_for(ours)
    assert callback not in selectors.review_tasks_for(theirs)
    with pytest.raises(RegistrationError) as again:
        registration_assign(
            actor=supervisor, number=registration.number, organisation_id=organisation.pk
        )
    assert again.value.code == "already_assigned"


def test_mark_duplicate_reveals_nothing_of_another_organisation(
    family: Callable[..., dict[str, Any]],
    submit: Callable[..., Any],
    caseworkers: tuple[Any, Any],
) -> None:
    ours, theirs = caseworkers
    mine = submit(family(), actor=ours).registration
    other = submit(family(phone="+52 664 400 0077"), actor=theirs).registration
    tasks_before = ReviewTask.objects.filter(kind=TaskKind.DUPLICATE_PERSON).count()
    answers = []
    for number in (other.number, "R-2222-2222"):
        with pytest.raises(RegistrationError) as caught:
            services.registration_mark_duplicate(
                actor=ours, registration=mine, other_number=number, note="looks alike"
            )
        answers.append((caught.value.code, caught.value.field, str(caught.value)))
    assert answers[0] == answers[1]  # another organisation's number is "not found" too
    assert answers[0][0] == "registration_not_found"
    assert ReviewTask.objects.filter(kind=TaskKind.DUPLICATE_PERSON).count() == tasks_before
    assert AuditEntry.objects.filter(
        action="refused", actor=ours, note="another organisation's registration"
    ).exists()
