"""The authorization matrix: who gets what from every API operation and every page.

One rule per ``(METHOD, route)``: the signed-in callers that get an answer (``allow``), what
anyone else signed in gets (``refused``, 403 by default), what a caller without credentials
gets (``anonymous``) and, for a family of the first organisation, what a caseworker of a
second organisation gets (``other_org``). ``test_authorization_matrix.py`` generates the
routes from the URLconf and the OpenAPI document and fails for a route without a rule here:
adding an endpoint means deciding here who may use it.

The rules restate ``asilo.web.core.roles`` in terms of URLs, role by role, on purpose:
the roles table is what the code obeys, this table is what we expect it to mean.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

ANONYMOUS = "anonymous"
OFFICER = "officer"
SUPERVISOR = "supervisor"
CASEWORKER = "caseworker"
OTHER_CASEWORKER = "caseworker-of-another-organisation"
ANALYST = "analyst"
AUDITOR = "auditor"
ADMIN = "admin"

CALLERS = (ANONYMOUS, OFFICER, SUPERVISOR, CASEWORKER, OTHER_CASEWORKER, ANALYST, AUDITOR, ADMIN)
STAFF = frozenset(CALLERS) - {ANONYMOUS}
CASEWORKERS = frozenset({CASEWORKER, OTHER_CASEWORKER})
BORDER = frozenset({OFFICER, SUPERVISOR})
BORDER_READERS = BORDER | {AUDITOR}


class Expect(Enum):
    """An answer, by kind."""

    OK = "2xx or a redirect inside the application"
    INVALID = "400/409/422: refused for its content, after the rights check"
    NOT_FOUND = "404"
    LOGIN = "302 to the sign-in page"
    ADMIN_LOGIN = "302 to the admin site's sign-in page"
    UNAUTHENTICATED = "401"
    FORBIDDEN = "403"
    NOT_ALLOWED = "405"
    RATE_LIMITED = "429"
    UNAVAILABLE = "503"
    SERVER_ERROR = "500"

    @classmethod
    def from_status(cls, status: int) -> Expect:
        if status < 400:
            return cls.OK
        return {
            400: cls.INVALID,
            409: cls.INVALID,
            422: cls.INVALID,
            404: cls.NOT_FOUND,
            401: cls.UNAUTHENTICATED,
            403: cls.FORBIDDEN,
            405: cls.NOT_ALLOWED,
            429: cls.RATE_LIMITED,
            503: cls.UNAVAILABLE,
        }.get(status, cls.SERVER_ERROR)


OK = frozenset({Expect.OK})
WRITE = frozenset({Expect.OK, Expect.INVALID})
FORBIDDEN = frozenset({Expect.FORBIDDEN})


@dataclass(frozen=True)
class Rule:
    allow: frozenset[str]
    #: None: like a caller in ``allow`` (a public page)
    anonymous: frozenset[Expect] | None = frozenset({Expect.LOGIN})
    ok: frozenset[Expect] | None = None  # default: OK for GET, OK or INVALID for writes
    refused: frozenset[Expect] = FORBIDDEN
    other_org: frozenset[Expect] | None = None
    #: Answers of particular callers that none of the above describes.
    callers: Mapping[str, frozenset[Expect]] = field(default_factory=dict)

    def expected(self, caller: str, method: str) -> frozenset[Expect]:
        if caller in self.callers:
            return self.callers[caller]
        if caller == ANONYMOUS and self.anonymous is not None:
            return self.anonymous
        if caller == OTHER_CASEWORKER and self.other_org is not None:
            return self.other_org
        if caller in self.allow or caller == ANONYMOUS:
            if self.ok is not None:
                return self.ok
            return OK if method == "GET" else WRITE
        return self.refused


def api(allow: frozenset[str] | set[str], **kw: object) -> Rule:
    """An API operation: without credentials 401."""
    kw.setdefault("anonymous", frozenset({Expect.UNAUTHENTICATED}))
    return Rule(frozenset(allow), **kw)  # type: ignore[arg-type]


def page(allow: frozenset[str] | set[str], **kw: object) -> Rule:
    """A staff page: without a session, the sign-in page."""
    return Rule(frozenset(allow), **kw)  # type: ignore[arg-type]


def public(**kw: object) -> Rule:
    """A page for everybody (families, the sign-in page)."""
    kw.setdefault("anonymous", None)
    return Rule(STAFF, **kw)  # type: ignore[arg-type]


NOBODY: frozenset[str] = frozenset()
NOT_FOUND = frozenset({Expect.NOT_FOUND})
LOGIN = frozenset({Expect.LOGIN})
ADMIN_LOGIN = frozenset({Expect.ADMIN_LOGIN})
#: A family's sign-in with its number and PIN: a wrong pair is 401 (or a form error); wrong
#: PINs from one client are limited (429), whoever is signed in.
SIGN_IN = frozenset({Expect.OK, Expect.INVALID, Expect.UNAUTHENTICATED, Expect.RATE_LIMITED})
OWN_ORG_ONLY = frozenset({Expect.NOT_FOUND, Expect.FORBIDDEN})

API_RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/api/v1/health"): api(STAFF),
    ("GET", "/api/v1/audit"): api({AUDITOR}),
    # people (border processing's records of persons)
    ("GET", "/api/v1/people"): api(BORDER_READERS),
    ("GET", "/api/v1/people/{person_id}"): api(BORDER_READERS),
    ("PATCH", "/api/v1/people/{person_id}"): api(BORDER),
    ("GET", "/api/v1/family-units"): api(BORDER_READERS),
    ("GET", "/api/v1/family-units/{family_unit_id}"): api(BORDER_READERS),
    # encounters and decisions
    ("POST", "/api/v1/encounters"): api(BORDER),
    ("GET", "/api/v1/encounters"): api(BORDER_READERS),
    ("POST", "/api/v1/encounters/preview"): api(BORDER),
    ("GET", "/api/v1/encounters/{encounter_id}"): api(BORDER_READERS),
    ("GET", "/api/v1/encounters/{encounter_id}/replay"): api(BORDER_READERS),
    ("POST", "/api/v1/encounters/{encounter_id}/confirm"): api(BORDER),
    ("POST", "/api/v1/encounters/{encounter_id}/override"): api(BORDER),
    ("GET", "/api/v1/overrides"): api({SUPERVISOR}),  # the supervisor's review queue
    ("POST", "/api/v1/overrides/{override_id}/review"): api({SUPERVISOR}),
    # custody
    ("GET", "/api/v1/custodies/summary"): api(BORDER_READERS),
    ("GET", "/api/v1/custodies"): api(BORDER_READERS),
    ("GET", "/api/v1/custodies/check"): api(BORDER_READERS),
    ("GET", "/api/v1/custodies/standard-report"): api(BORDER_READERS),
    ("POST", "/api/v1/custodies/{custody_id}/book-out"): api(BORDER),
    ("POST", "/api/v1/family-exceptions"): api(BORDER),
    ("GET", "/api/v1/family-exceptions"): api(BORDER),
    ("POST", "/api/v1/family-exceptions/{exception_id}/approve"): api({SUPERVISOR}),
    ("POST", "/api/v1/family-exceptions/{exception_id}/deny"): api({SUPERVISOR}),
    ("GET", "/api/v1/reunification-tasks"): api(BORDER),
    ("POST", "/api/v1/reunification-tasks/{task_id}/close"): api(BORDER),
    ("POST", "/api/v1/reunification-tasks/{task_id}/steps"): api(BORDER),
    ("POST", "/api/v1/reunification-tasks/{task_id}/notes"): api(BORDER),
    # registrations: self-service without credentials, assisted by a caseworker
    ("POST", "/api/v1/registrations"): api(CASEWORKERS, anonymous=WRITE),
    ("GET", "/api/v1/registrations"): api(CASEWORKERS | {SUPERVISOR, AUDITOR}),
    # a self-service family confirms its phone or e-mail with the code sent to it
    ("POST", "/api/v1/registrations/{number}/contact"): api(STAFF, anonymous=None),
    ("GET", "/api/v1/registrations/{number}"): api(
        {CASEWORKER, SUPERVISOR, AUDITOR}, other_org=OWN_ORG_ONLY
    ),
    # appointments
    ("GET", "/api/v1/appointments/capacities"): api({SUPERVISOR}),
    ("PUT", "/api/v1/appointments/capacities"): api({SUPERVISOR}),
    ("POST", "/api/v1/appointments/runs"): api({SUPERVISOR}),
    ("GET", "/api/v1/appointments/runs"): api({SUPERVISOR, ANALYST, AUDITOR}),
    ("GET", "/api/v1/appointments/runs/{run_id}"): api({SUPERVISOR, ANALYST, AUDITOR}),
    ("POST", "/api/v1/appointments/runs/{run_id}/verify"): api({SUPERVISOR, ANALYST, AUDITOR}),
    # the day's appointments: supervisors plan them, officers check families in
    ("GET", "/api/v1/appointments"): api(BORDER),
    ("GET", "/api/v1/appointments/{appointment_id}"): api(BORDER),
    ("POST", "/api/v1/appointments/check-in"): api(BORDER, ok=WRITE | NOT_FOUND),
    ("POST", "/api/v1/appointments/{appointment_id}/exceptions"): api({SUPERVISOR}),
}


def _same(rule: Rule, *methods: str) -> dict[str, Rule]:
    return dict.fromkeys(methods, rule)


def _pages(table: dict[str, dict[str, Rule]]) -> dict[tuple[str, str], Rule]:
    return {(m, route): rule for route, rules in table.items() for m, rule in rules.items()}


#: A page that only takes POST answers 405 to GET (after the sign-in check).
_POST_ONLY_GET = page(NOBODY, refused=frozenset({Expect.NOT_ALLOWED}))

PAGE_RULES: dict[tuple[str, str], Rule] = _pages(
    {
        "/": _same(page(STAFF), "GET", "POST"),
        "/accounts/login/": _same(public(), "GET", "POST", "PUT"),
        "/accounts/logout/": {"POST": public(anonymous=OK | LOGIN, ok=OK | LOGIN)},
        "/accounts/reset/<uidb64>/<token>/": _same(public(), "GET", "POST", "PUT"),
        "/accounts/reset/done/": {"GET": public()},
        "/i18n/setlang/": _same(public(), "GET", "POST"),
        "/api/v1/": _same(public(anonymous=NOT_FOUND, ok=NOT_FOUND), "GET", "POST"),
        "/api/v1/docs": _same(public(), "GET", "POST"),
        "/api/v1/openapi.json": _same(public(), "GET", "POST"),
        "/audit/": _same(page({AUDITOR}), "GET", "POST"),
        # appointments: supervisors plan, officers check in, families see their notice
        "/appointments/capacities/": _same(page({SUPERVISOR}), "GET", "POST"),
        "/appointments/runs/": {
            "GET": page({SUPERVISOR, ANALYST, AUDITOR}),
            "POST": page({SUPERVISOR}),  # starts a run
        },
        "/appointments/runs/<int:run_id>/": _same(
            page({SUPERVISOR, ANALYST, AUDITOR}), "GET", "POST"
        ),
        "/appointments/day/": _same(page({SUPERVISOR}), "GET", "POST"),
        "/appointments/fairness/": _same(page({SUPERVISOR, ANALYST, AUDITOR}), "GET", "POST"),
        "/appointments/check-in/": _same(page(BORDER), "GET", "POST"),
        "/appointments/check-in/<int:appointment_id>/done/": _same(page(BORDER), "GET", "POST"),
        "/appointments/notice/<int:appointment_id>/": _same(
            page({CASEWORKER, SUPERVISOR, AUDITOR}, other_org=OWN_ORG_ONLY), "GET", "POST"
        ),
        "/appointments/notice/<int:appointment_id>/calendar.ics": {
            "GET": page(
                {CASEWORKER, SUPERVISOR, AUDITOR},
                anonymous=frozenset({Expect.NOT_FOUND}),
                refused=frozenset({Expect.NOT_FOUND}),
                other_org=frozenset({Expect.NOT_FOUND}),
            )
        },
        "/appointments/my/": {"GET": public(), "POST": public(anonymous=SIGN_IN, ok=SIGN_IN)},
        "/appointments/my/notice/": _same(public(), "GET", "POST"),
        "/appointments/my/sign-out/": {"POST": public()},
        # registrations: families (public) and caseworkers
        "/registrations/": {"GET": public()},
        "/registrations/new/": _same(public(), "GET", "POST"),
        "/registrations/done/<str:number>/": {"GET": public()},
        "/registrations/status/": {
            "GET": public(),
            "POST": public(anonymous=SIGN_IN, ok=SIGN_IN),
        },
        "/registrations/verify/": {"POST": public()},
        "/registrations/status/recover/": _same(public(), "GET", "POST"),
        "/registrations/status/family/": _same(public(), "GET", "POST"),
        "/registrations/staff/": {"GET": page(CASEWORKERS | {SUPERVISOR, AUDITOR})},
        "/registrations/staff/new/": _same(page(CASEWORKERS), "GET", "POST"),
        "/registrations/staff/tasks/": _same(page(CASEWORKERS | {SUPERVISOR}), "GET", "POST"),
        "/registrations/staff/import/": _same(page(CASEWORKERS), "GET", "POST"),
        "/registrations/staff/import/numbers.csv": {"GET": page(CASEWORKERS)},
        "/registrations/staff/import/slips/": {"GET": page(CASEWORKERS)},
        "/registrations/staff/export.csv": {"GET": page(CASEWORKERS)},
        "/registrations/staff/<str:number>/": {
            "GET": page({CASEWORKER, SUPERVISOR, AUDITOR}, other_org=OWN_ORG_ONLY),
            "POST": page({CASEWORKER}, other_org=OWN_ORG_ONLY),  # the caseworker's actions
        },
        "/registrations/staff/<str:number>/slip/": {
            "GET": page({CASEWORKER, SUPERVISOR, AUDITOR}, other_org=OWN_ORG_ONLY)
        },
        # border processing
        "/processing/": _same(page(BORDER_READERS), "GET", "POST"),
        "/processing/queue/": _same(page(BORDER_READERS), "GET", "POST"),
        "/processing/encounters/": _same(page(BORDER_READERS), "GET", "POST"),
        "/processing/encounters/new/": _same(page(BORDER), "GET", "POST"),
        "/processing/encounters/<int:encounter_id>/": _same(page(BORDER_READERS), "GET", "POST"),
        "/processing/encounters/<int:encounter_id>/confirm/": {"POST": page(BORDER)},
        "/processing/encounters/<int:encounter_id>/override/": {"POST": page(BORDER)},
        "/processing/people/<int:person_id>/": _same(page(BORDER_READERS), "GET", "POST"),
        "/processing/families/<int:family_unit_id>/": _same(page(BORDER_READERS), "GET", "POST"),
        "/processing/custody/": _same(page(BORDER_READERS), "GET", "POST"),
        "/processing/custody/<int:custody_id>/book-out/": _same(page(BORDER), "GET", "POST"),
        "/processing/custody/<int:custody_id>/exception/": {"POST": page(BORDER)},
        "/processing/overrides/": _same(page({SUPERVISOR}), "GET", "POST"),
        "/processing/overrides/<int:override_id>/review/": {"POST": page({SUPERVISOR})},
        "/processing/exceptions/": _same(page(BORDER), "GET", "POST"),
        "/processing/exceptions/<int:exception_id>/decide/": {"POST": page({SUPERVISOR})},
        "/processing/tasks/<int:task_id>/step/": {"POST": page(BORDER)},
        "/processing/tasks/<int:task_id>/note/": {"POST": page(BORDER)},
        "/processing/tasks/<int:task_id>/close/": {"POST": page(BORDER)},
        # the signed-in person's own notifications
        "/processing/notifications/": _same(page(STAFF), "GET", "POST"),
        # identity: supervisors review pairs that may be the same person
        "/identity/review/": _same(page({SUPERVISOR}), "GET", "POST"),
        "/identity/review/<int:pair_id>/": _same(
            page({SUPERVISOR}, ok=frozenset({Expect.OK, Expect.NOT_FOUND})), "GET", "POST"
        ),
        "/identity/review/<int:pair_id>/decide/": {
            "POST": page({SUPERVISOR}, ok=WRITE | NOT_FOUND)
        },
        "/identity/review/<int:pair_id>/undo/": {"POST": page({SUPERVISOR}, ok=WRITE | NOT_FOUND)},
        # statistics and forecasts: aggregates only
        "/statistics/": _same(page({SUPERVISOR, ANALYST, AUDITOR}), "GET", "POST"),
        "/statistics/charts/<str:name>.<str:fmt>": _same(
            page({SUPERVISOR, ANALYST, AUDITOR}), "GET", "POST"
        ),
        "/forecasts/": _same(page({ANALYST}), "GET", "POST"),
        "/forecasts/custody/": _same(page({ANALYST}), "GET", "POST"),
        "/forecasts/charts/<str:name>.<str:fmt>": _same(page({ANALYST}), "GET", "POST"),
    }
)


def admin_site(allow: frozenset[str] | set[str], **kw: object) -> Rule:
    """An admin site page: who is not staff of the admin site is sent to its sign-in page;
    the admin site's staff (administrator, auditor) get 403 on what is not theirs."""
    kw.setdefault("anonymous", ADMIN_LOGIN)
    kw.setdefault("refused", ADMIN_LOGIN)
    callers = {c: FORBIDDEN for c in (ADMIN, AUDITOR) if c not in allow}
    return Rule(frozenset(allow), callers=callers, **kw)  # type: ignore[arg-type]


ADMIN_SITE_STAFF = frozenset({ADMIN, AUDITOR})

#: The admin site, by pattern over its routes (first match wins). The administrator manages
#: users, organisations and reference data there, never personal data (people, encounters,
#: registrations, appointments answer 403); the auditor reads the audit trail there. Tokens
#: and role grants are made through their services (never added in the admin site).
ADMIN_RULES: list[tuple[str, Rule]] = [
    (r"/admin/", admin_site(ADMIN_SITE_STAFF)),
    (r"/admin/login/", public()),
    (
        r"/admin/logout/",  # POST only; the others are sent to the index first
        public(
            callers={
                ADMIN: frozenset({Expect.NOT_ALLOWED}),
                AUDITOR: frozenset({Expect.NOT_ALLOWED}),
            }
        ),
    ),
    (r"/admin/(jsi18n|password_change|password_change/done)/", admin_site(ADMIN_SITE_STAFF)),
    (r"/admin/accounts/(apitoken|rolegrant)/add/", admin_site(NOBODY)),
    (r"/admin/(accounts|reference)/\w+/.*", admin_site({ADMIN})),
    (r"/admin/audit/auditentry/add/", admin_site(NOBODY)),
    (r"/admin/audit/auditentry/.*", admin_site({AUDITOR})),
    (r"/admin/.*", admin_site(NOBODY)),
]
