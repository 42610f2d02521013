"""Issue 11, findings 1 and 10, replayed end to end as the audit found them.

Finding 1: "The admin resets an officer's password in the admin site, signs in as that officer
and reads a person's record." The admin site's own tests (``tests/web/platform/
test_platform_separation_of_duties.py``) check each door separately; here the administrator
tries every door the admin site shows and then does what the auditor did next: sign in on the
staff sign-in page as the officer, and read a person's record through the API.

Finding 10: "No limit on people per encounter." The API and ``asilo decide`` are tested in
``tests/web/core/test_core_limits.py``; here the officer's own form (the page an officer records
a family on) is refused a family of 31 with nothing written, and still takes one of 30.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core import mail
from django.test import Client

from asilo.policy.encounter import MAX_PEOPLE
from asilo.web.accounts.models import User
from asilo.web.audit.models import AuditEntry
from asilo.web.encounters.models import Encounter
from asilo.web.people.models import Person

pytestmark = pytest.mark.django_db

ADMIN_CHOSEN = "admin-chosen-password-4417"


def _admin_site(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _sign_in(username: str, password: str) -> Client:
    """The staff sign-in page, as a person at a browser uses it (no forced login)."""
    client = Client()
    client.post("/accounts/login/", {"username": username, "password": password})
    return client


def _signed_in_as(client: Client) -> str | None:
    user_id = client.session.get("_auth_user_id")
    if user_id is None:
        return None
    return str(User.objects.get(pk=user_id).username)


def test_an_admin_cannot_sign_in_as_an_officer_whatever_it_tries_in_the_admin_site(
    make_user: Callable[..., User], test_password: str, make_token: Callable[[User], str]
) -> None:
    admin = make_user("admin", "admin-alone")
    officer = make_user("officer", "officer-target")
    User.objects.filter(pk=officer.pk).update(email="officer@example.org")
    # A person's record the officer may read (its id is what the admin is after).
    officer_headers = {"Authorization": f"Bearer {make_token(officer)}"}
    site = _admin_site(admin)
    # Every door the admin site shows for a password: the password page, the change form's
    # password field (and an e-mail of its own, so a reset link would come to the admin), the
    # reset action.
    site.post(
        f"/admin/accounts/user/{officer.pk}/password/",
        {"password1": ADMIN_CHOSEN, "password2": ADMIN_CHOSEN},
    )
    site.post(
        f"/admin/accounts/user/{officer.pk}/change/",
        {
            "username": officer.username,
            "role": officer.role,
            "is_active": "on",
            "email": "admin-own@example.org",
            "password": ADMIN_CHOSEN,
            "first_name": "",
            "last_name": "",
        },
    )
    site.post(
        "/admin/accounts/user/",
        {"action": "send_password_reset", "_selected_action": [officer.pk]},
        follow=True,
    )
    officer.refresh_from_db()
    assert officer.email == "officer@example.org"  # the link went to the officer only
    assert [m.to for m in mail.outbox] == [["officer@example.org"]]
    # The auditor's next step: sign in as the officer. No password the admin knows works:
    # the one it chose, the officer's old one (stopped by the reset), its own.
    for password in (ADMIN_CHOSEN, test_password):
        assert _signed_in_as(_sign_in(officer.username, password)) is None
    # The admin, signed in as itself, reads no person's record either.
    admin_api = _sign_in(admin.username, test_password)
    assert _signed_in_as(admin_api) == admin.username
    person = Person.objects.first()
    person_id = person.pk if person is not None else 1
    answer = admin_api.get(f"/api/v1/people/{person_id}")
    assert answer.status_code == 403, answer.content[:200]
    assert AuditEntry.objects.filter(action="refused", actor=admin).exists()
    # In asilo's trail (not only Django's admin log): the reset, by this admin.
    assert AuditEntry.objects.filter(
        action="password_reset", actor=admin, object_id=str(officer.pk)
    ).exists()
    # The officer's own token still works: nothing above touched the officer's access.
    own = Client().get("/api/v1/custodies/summary", headers=officer_headers)
    assert own.status_code == 200, own.content[:200]


def _members(n: int) -> dict[str, str]:
    data = {
        "m-TOTAL_FORMS": str(n),
        "m-INITIAL_FORMS": "0",
        "m-MIN_NUM_FORMS": "1",
        "m-MAX_NUM_FORMS": str(MAX_PEOPLE),
    }
    for i in range(n):
        data.update(
            {
                f"m-{i}-given_names": "Ana" if i == 0 else "Dylan",
                f"m-{i}-first_surname": "López",
                f"m-{i}-age": "31" if i == 0 else str(1 + i % 17),
                f"m-{i}-sex": "female" if i == 0 else "male",
                f"m-{i}-nationality": "HND",
                f"m-{i}-relationship": "parent" if i == 0 else "",
            }
        )
    return data


def _encounter_post(n: int, request_id: str) -> dict[str, str]:
    return {
        "action": "decide",
        "client_request_id": request_id,
        "date": "2022-05-10",
        "time": "06:40",
        "place": "between_ports|Rio Grande Valley",
        "manifests_fear": "yes",
        **_members(n),
    }


def test_the_officers_form_refuses_31_people_and_writes_nothing(
    make_user: Callable[..., User], client_as: Callable[..., Client]
) -> None:
    officer = client_as(make_user("officer", "officer-form"))
    url = "/processing/encounters/new/"
    too_many = officer.post(url, _encounter_post(MAX_PEOPLE + 1, "limit-31"))
    assert too_many.status_code == 400, too_many.status_code
    page = too_many.content.decode()
    assert str(MAX_PEOPLE) in page
    assert "Traceback" not in page
    assert Encounter.objects.count() == 0 and Person.objects.count() == 0
    # Adding a member to a family of 30 does not make 31 either.
    full = officer.post(url, {**_encounter_post(MAX_PEOPLE, "limit-add"), "action": "add_member"})
    assert full.content.decode().count('class="ap-member" id="member-') <= MAX_PEOPLE
    assert Encounter.objects.count() == 0
    # 30 is allowed.
    allowed = officer.post(url, _encounter_post(MAX_PEOPLE, "limit-30"))
    assert allowed.status_code in (200, 302), allowed.content[:300]
    assert Encounter.objects.count() == 1
