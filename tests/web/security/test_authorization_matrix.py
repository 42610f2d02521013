"""Issue 11, "In make test": the authorization matrix, generated from the URLconf and the
OpenAPI document (review finding 8 of the hardening issue; refused reads audited: finding 7).

Every API operation, every page and the admin site's pages are requested by every role, by a
caseworker of a second organisation and without credentials, on the demo data; each answer
is compared with the one rule declared for that URL and method in
:mod:`authorization_matrix`. A URL without a rule, or a rule for a URL that no longer exists,
fails. Every refusal (403) must leave a ``refused`` entry in the audit trail.
"""

from __future__ import annotations

import io
import json
import os
import re
import sys
from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import urlencode

import pytest
from authorization_matrix import (
    ADMIN_RULES,
    ANONYMOUS,
    API_RULES,
    CALLERS,
    OTHER_CASEWORKER,
    PAGE_RULES,
    Expect,
    Rule,
)
from authorization_routes import admin_routes, api_operations, page_routes
from django.apps import apps
from django.test import Client

from asilo.web.accounts.models import User

Key = tuple[str, str]


def _missing_and_stale(generated: list[Key], rules: dict[Key, Rule]) -> tuple[list, list]:
    missing = [key for key in generated if key not in rules]
    stale = [key for key in rules if key not in set(generated)]
    return missing, stale


def test_every_api_operation_has_a_rule() -> None:
    missing, stale = _missing_and_stale(api_operations(), API_RULES)
    assert missing == [], "declare a rule in tests/web/security/authorization_matrix.py"
    assert stale == [], "these rules name operations that no longer exist"


def test_every_page_and_method_has_a_rule() -> None:
    missing, stale = _missing_and_stale(page_routes(), PAGE_RULES)
    assert missing == [], "declare a rule in tests/web/security/authorization_matrix.py"
    assert stale == [], "these rules name pages that no longer exist"


def test_every_admin_page_has_a_rule() -> None:
    generated = admin_routes()
    missing = [key for key in generated if _admin_rule(key[1]) is None]
    assert missing == [], "declare a rule in ADMIN_RULES"


def test_a_new_endpoint_without_a_rule_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The generators see an operation or a page added (so the build fails until it has a
    rule), with the methods its view serves."""
    from types import ModuleType

    from django.test import override_settings
    from django.urls import path
    from django.views.decorators.http import require_POST
    from ninja import NinjaAPI, Router

    router = Router()

    @router.delete("/people/{person_id}/forget")
    def forget(request: Any, person_id: int) -> None:  # pragma: no cover - never called
        return None

    extra = NinjaAPI(urls_namespace="matrix-probe")
    extra.add_router("/", router)
    module = ModuleType("matrix_probe_urls")
    module.urlpatterns = [path("api/v1/", extra.urls)]  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "matrix_probe_urls", module)
    with override_settings(ROOT_URLCONF="matrix_probe_urls"):
        added = set(api_operations(extra))
    assert added == {("DELETE", "/api/v1/people/{person_id}/forget")}
    assert not added & set(API_RULES)

    @require_POST
    def erase(request: Any, person_id: int) -> None:  # pragma: no cover - never called
        return None

    def peek(request: Any) -> None:  # pragma: no cover - never called
        return None

    urlconf = ModuleType("matrix_probe_pages")
    urlconf.urlpatterns = [  # type: ignore[attr-defined]
        path("processing/people/<int:person_id>/erase/", erase),
        path("processing/peek/", peek),
    ]
    pages = set(page_routes(urlconf))
    assert pages == {
        ("POST", "/processing/people/<int:person_id>/erase/"),
        ("GET", "/processing/peek/"),
        ("POST", "/processing/peek/"),
    }
    assert not pages & set(PAGE_RULES)


def _admin_rule(route: str) -> Rule | None:
    for pattern, rule in ADMIN_RULES:
        if re.fullmatch(pattern, route):
            return rule
    return None


# --- the answers ------------------------------------------------------------------------------


class World:
    """The demo data, the callers and the values of every path parameter."""

    def __init__(self) -> None:
        from asilo.web import demo
        from asilo.web.accounts.models import Organisation
        from asilo.web.accounts.services import user_create

        demo.load_demo(io.StringIO())
        self.users: dict[str, User | None] = {ANONYMOUS: None}
        for account in demo.DEMO_ACCOUNTS:
            self.users[str(account.role)] = User.objects.get(username=account.username)
        other = Organisation.objects.get(name=demo.ORGANISATIONS[1])
        self.users[OTHER_CASEWORKER] = user_create(
            actor=None,
            username="matrix.other-caseworker",
            role="caseworker",
            organisation=other.name,
            password=None,
            validate_password=False,
        )
        assert set(self.users) == set(CALLERS)
        self.params = self._params()

    def _params(self) -> dict[str, str]:
        from asilo.web.appointments.models import AllocationRun, Appointment, AppointmentStatus
        from asilo.web.dashboards import statistics
        from asilo.web.encounters.models import (
            Custody,
            Encounter,
            FamilyException,
            Override,
            ReunificationTask,
        )
        from asilo.web.people.models import FamilyUnit, Person
        from asilo.web.registrations.models import Registration

        caseworker = self.users["caseworker"]
        assert caseworker is not None
        # The family the matrix asks about: booked, and helped by the first organisation
        # (the demo's booked families registered themselves, so one is handed over).
        appointment = (
            Appointment.objects.filter(status=AppointmentStatus.BOOKED).order_by("pk").first()
        )
        assert appointment is not None, "the demo has a booked family"
        Registration.objects.filter(pk=appointment.registration_id).update(
            organisation=caseworker.organisation
        )
        registration = Registration.objects.get(pk=appointment.registration_id)
        values: dict[str, Any] = {
            "person_id": Person.objects.order_by("pk").first(),
            "family_unit_id": FamilyUnit.objects.order_by("pk").first(),
            "encounter_id": Encounter.objects.order_by("pk").first(),
            "override_id": Override.objects.order_by("pk").first(),
            "custody_id": Custody.objects.order_by("pk").first(),
            "exception_id": FamilyException.objects.order_by("pk").first(),
            "task_id": ReunificationTask.objects.order_by("pk").first(),
            "run_id": AllocationRun.objects.order_by("pk").first(),
            "appointment_id": appointment,
        }
        params = {}
        for name, obj in values.items():
            assert obj is not None, f"the demo data has no object for {name}"
            params[name] = str(obj.pk)
        params["number"] = registration.number
        pair = apps.get_model("identity", "ReviewPair").objects.order_by("pk").first()
        params["pair_id"] = str(pair.pk) if pair is not None else "1"
        params["uidb64"] = "MQ"
        params["token"] = "not-a-token"
        params["fmt"] = "csv"
        params["statistics_chart"] = statistics.CHART_NAMES[0]
        params["forecast_chart"] = "encounters"
        return params

    def url(self, route: str) -> str:
        """The concrete URL of a route (Django ``<int:x>`` or OpenAPI ``{x}`` parameters)."""

        def value(match: re.Match[str]) -> str:
            name = match.group(1).split(":")[-1]
            if name == "name":
                return (
                    self.params["forecast_chart"]
                    if route.startswith("/forecasts/")
                    else self.params["statistics_chart"]
                )
            return self.params[name]

        return re.sub(r"[<{]([^>}]+)[>}]", value, route)

    def admin_url(self, route: str) -> str:
        match = re.fullmatch(r"/admin/(\w+)/(\w+)/<path:object_id>/change/", route)
        if match is None:
            return route
        model = apps.get_model(match.group(1), match.group(2))
        first = model._default_manager.order_by("pk").first()
        return route.replace("<path:object_id>", str(first.pk) if first is not None else "1")


def _example(schema: dict[str, Any], components: dict[str, Any]) -> Any:
    """A small value that satisfies a request schema (so the rights check, not the
    validation, answers): required properties only, the first choice of an enum."""
    if "$ref" in schema:
        return _example(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return _example(options[0], components)
    if "enum" in schema:
        return schema["enum"][0]
    if "example" in schema:
        return schema["example"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {
            name: _example(schema["properties"][name], components)
            for name in schema.get("required", [])
        }
    if kind == "array":
        return [_example(schema["items"], components)] * int(schema.get("minItems", 0))
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return False
    if schema.get("format") == "date":
        return "2023-06-01"
    if schema.get("format") == "date-time":
        return "2023-06-01T08:00:00Z"
    return "x" * int(schema.get("minLength", 1))


#: Values the generated examples cannot guess (they must name things that exist, so that
#: the answer is the rights check's, not a lookup's).
PROGRAM = "port-appointments-2023"
QUERY_VALUES = {"q": "Maria", "program": PROGRAM, "date": "2023-06-05"}
BODY_VALUES: dict[Key, dict[str, Any]] = {
    ("POST", "/api/v1/registrations"): {"program": PROGRAM},
    ("PUT", "/api/v1/appointments/capacities"): {"program": PROGRAM, "port": "El Paso"},
    ("POST", "/api/v1/appointments/runs"): {"program": PROGRAM},
}
#: Query strings of pages that need one to show anything.
PAGE_QUERIES = {"/registrations/new/": f"?program={PROGRAM}"}
#: Form fields of pages whose POST needs one to reach the rights check.
PAGE_FORMS = {
    "/registrations/new/": {"program": PROGRAM},
    "/registrations/staff/new/": {"program": PROGRAM},
}


def _requests() -> dict[Key, tuple[dict[str, Any], Any]]:
    """For each operation: its required query parameters and a body its schema accepts."""
    from asilo.web.api import api

    document = json.loads(json.dumps(api.get_openapi_schema()))
    components = document["components"]["schemas"]
    found: dict[Key, tuple[dict[str, Any], Any]] = {}
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            key = (method.upper(), path)
            query = {
                p["name"]: QUERY_VALUES.get(p["name"]) or _example(p["schema"], components)
                for p in operation.get("parameters", [])
                if p["in"] == "query" and p.get("required")
            }
            content = operation.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            body = None
            if schema is not None:
                body = {**_example(schema, components), **BODY_VALUES.get(key, {})}
            found[key] = (query, body)
    return found


def _answer(response: Any) -> Expect:
    status = response.status_code
    if status == 302:
        location = response["Location"]
        if location.startswith("/accounts/login/"):
            return Expect.LOGIN
        if location.startswith("/admin/login/"):
            return Expect.ADMIN_LOGIN
    return Expect.from_status(status)


def _refusals(user: User | None) -> int:
    from asilo.web.audit.models import AuditEntry

    return AuditEntry.objects.filter(action="refused", actor=user).count()


def _check(
    world: World,
    caller: str,
    method: str,
    url: str,
    rule: Rule,
    send: Callable[[], Any],
) -> str | None:
    user = world.users[caller]
    before = _refusals(user)
    response = send()
    expected = rule.expected(caller, method)
    got = _answer(response)
    if os.environ.get("ASILO_MATRIX_DUMP"):
        print(f"{method} {url} {caller}: {got.name} ({response.status_code})")
    if got not in expected:
        names = "/".join(sorted(e.name for e in expected))
        return f"{method} {url} as {caller}: {got.name} ({response.status_code}), expected {names}"
    if got is Expect.FORBIDDEN and user is not None and _refusals(user) <= before:
        return f"{method} {url} as {caller}: 403 without a refusal in the audit trail"
    return None


SIGN_OUT_PAGES = frozenset({"/accounts/logout/", "/appointments/my/sign-out/"})


def _signed_in(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _send_api(client: Client, method: str, url: str, body: Any, headers: dict[str, str]) -> Any:
    if method == "GET":
        return client.get(url, headers=headers)
    data = json.dumps(body if body is not None else {})
    return client.generic(method, url, data, content_type="application/json", headers=headers)


def _send_page(client: Client, method: str, url: str, form: dict[str, str]) -> Any:
    if method == "GET":
        return client.get(url)
    body = urlencode(form)
    return client.generic(method, url, body, content_type="application/x-www-form-urlencoded")


@pytest.mark.django_db
def test_every_answer_matches_the_matrix(make_token: Callable[[User], str]) -> None:
    world = World()
    requests = _requests()
    tokens = {c: make_token(u) for c, u in world.users.items() if u is not None}
    sessions = {caller: _signed_in(user) for caller, user in world.users.items()}

    # Reads first, then writes (a write that succeeds may change what later reads find).
    order = {"GET": 0}
    api_keys = sorted(api_operations(), key=lambda k: (order.get(k[0], 1), k))
    page_keys = sorted(page_routes(), key=lambda k: (order.get(k[0], 1), k))
    problems: list[str] = []
    checked = 0
    for caller in CALLERS:
        headers = {"Authorization": f"Bearer {tokens[caller]}"} if caller in tokens else {}
        for method, route in api_keys:
            query, body = requests[(method, route)]
            url = world.url(route) + ("?" + urlencode(query) if query else "")
            send = partial(_send_api, Client(), method, url, body, headers)
            rule = API_RULES.get((method, route))
            if rule is None:
                continue  # reported by test_every_api_operation_has_a_rule
            problems.append(_check(world, caller, method, url, rule, send))
            checked += 1
        for method, route in page_keys:
            url = world.url(route) + PAGE_QUERIES.get(route, "")
            client = sessions[caller]
            if route in SIGN_OUT_PAGES:  # signs the session out: a session of its own
                client = _signed_in(world.users[caller])
            send = partial(_send_page, client, method, url, PAGE_FORMS.get(route, {}))
            rule = PAGE_RULES.get((method, route))
            if rule is None:
                continue  # reported by test_every_page_and_method_has_a_rule
            problems.append(_check(world, caller, method, url, rule, send))
            checked += 1
        for method, route in admin_routes():
            rule = _admin_rule(route)
            if rule is None:
                continue  # reported by test_every_admin_page_has_a_rule
            url = world.admin_url(route)
            client = sessions[caller]
            problems.append(
                _check(world, caller, method, url, rule, lambda url=url, c=client: c.get(url))
            )
            checked += 1
    found = [p for p in problems if p is not None]
    assert found == [], "\n".join(found)
    assert checked >= len(CALLERS) * 150
