"""Recording an encounter, one encounter's page (decision, confirm, override), and the
pages of a person and a family.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from asilo.web.core.actors import request_actor
from asilo.web.core.http import HtmxRequest
from asilo.web.core.pages import raise_http
from asilo.web.core.roles import Capability, has_capability
from asilo.web.encounters import seen_before
from asilo.web.encounters import selectors as enc_selectors
from asilo.web.encounters import services as enc_services
from asilo.web.encounters.models import (
    EncounterStatus,
)
from asilo.web.encounters.object_types import (
    ENCOUNTER,
)
from asilo.web.people import selectors as people_selectors
from asilo.web.people.errors import DomainError
from asilo.web.processing import family, queries
from asilo.web.processing.forms import (
    MAX_MEMBERS,
    MEMBER_FIELDS,
    MEMBER_PREFIX,
    EncounterForm,
    MemberFormSet,
    OverrideForm,
)
from asilo.web.processing.views._common import (
    attempt,
    needs,
    read_or_refuse,
    render_page,
)

# --- record an encounter ------------------------------------------------------------------


def _member_initial(data: QueryDict) -> list[dict[str, Any]]:
    """What the officer typed for each member, to redisplay without validating."""
    try:
        total = int(data.get(f"{MEMBER_PREFIX}-TOTAL_FORMS", "1"))
    except ValueError:
        total = 1
    members = []
    for i in range(max(0, min(total, MAX_MEMBERS))):
        member: dict[str, Any] = {}
        for name in MEMBER_FIELDS:
            key = f"{MEMBER_PREFIX}-{i}-{name}"
            member[name] = data.getlist(key) if name == "vulnerabilities" else data.get(key, "")
        members.append(member)
    return members


def _encounter_forms(
    request: HttpRequest,
) -> tuple[EncounterForm, Any, bool]:
    """The forms for this request; the flag says whether to try to record the encounter."""
    if request.method != "POST":
        return EncounterForm(), MemberFormSet(prefix=MEMBER_PREFIX), False
    action = request.POST.get("action", "decide")
    if action == "decide":
        return (
            EncounterForm(request.POST),
            MemberFormSet(request.POST, prefix=MEMBER_PREFIX),
            True,
        )
    members = _member_initial(request.POST)
    if action == "add_member" and len(members) < MAX_MEMBERS:
        members.append({"sex": "unknown"})
    elif action.startswith("remove_member:") and len(members) > 1:
        with contextlib.suppress(ValueError, IndexError):
            del members[int(action.split(":", 1)[1])]
    initial: dict[str, Any] = {k: request.POST.get(k) for k in EncounterForm.base_fields}
    for flag in ("title42_exception_granted", "cbp_one_appointment"):
        initial[flag] = bool(request.POST.get(flag))
    return (
        EncounterForm(initial=initial),
        MemberFormSet(prefix=MEMBER_PREFIX, initial=members),
        False,
    )


def _place_service_error(
    form: EncounterForm, formset: Any, field: str | None, message: str
) -> None:
    """Put a service's error on the field it names (``people.1.age`` is member 2's age)."""
    if field and field.startswith("people."):
        parts = field.split(".")
        if len(parts) >= 3 and parts[1].isdigit():
            index = int(parts[1])
            if index < len(formset.forms) and parts[2] in formset.forms[index].fields:
                formset.forms[index].add_error(parts[2], message)
                return
    if field and field.split(".")[0] in form.fields:
        form.add_error(field.split(".")[0], message)
        return
    form.add_error(None, message)


@require_http_methods(["GET", "POST"])
@needs(Capability.ENCOUNTER_RECORD, ENCOUNTER)
def encounter_new(request: HtmxRequest) -> HttpResponse:
    form, formset, submit = _encounter_forms(request)
    if submit and form.is_valid() and formset.is_valid():
        members = [f for f in formset.forms if f.cleaned_data]
        document = form.document()
        document["people"] = [m.person() for m in members]
        try:
            actor = request_actor(request)
            recorded = enc_services.encounter_record(
                actor=actor,
                prepared=enc_selectors.encounter_preview(actor=actor, document=document),
                client_request_id=form.cleaned_data.get("client_request_id") or None,
            )
        except enc_services.EncounterErrors as exc:
            for error in exc.errors:
                _place_service_error(form, formset, error.field, error.message)
        except DomainError as exc:
            raise_http(exc)
            _place_service_error(form, formset, exc.field, exc.message)
        else:
            # Identity resolution: each person matched against the stored identities.
            seen_before.at_record(actor=request_actor(request), encounter_id=recorded.encounter.pk)
            if recorded.created:
                messages.success(
                    request, _("Encounter recorded; the decision awaits confirmation.")
                )
            else:
                messages.info(request, _("This encounter was already recorded; here it is."))
            return redirect("processing:encounter_detail", encounter_id=recorded.encounter.pk)
    status = 400 if submit else 200
    context = {"form": form, "formset": formset, "max_members": MAX_MEMBERS}
    if request.htmx and not submit:
        return render_page(request, "processing/_encounter_form.html", context)
    return render_page(request, "processing/encounter_new.html", context, status=status)


# --- one encounter: decision, confirm, override -------------------------------------------


def _encounter_context(request: HttpRequest, encounter_id: int) -> dict[str, Any]:
    encounter = read_or_refuse(request, enc_selectors.encounter_view, encounter_id=encounter_id)
    decision = encounter.decision
    now = timezone.now()
    participants = list(encounter.participants.all())
    clocks = {
        c.person_id: enc_selectors.custody_clock(
            c, now=now, within_hours=enc_selectors.NEAR_DUE_HOURS
        )
        for c in encounter.custodies.all()
    }
    override = getattr(decision, "override", None)
    cards = people_selectors.people_cards(
        actor=request_actor(request),
        person_ids=[p.person_id for p in participants],
        purpose="encounter_page",
    )
    people = family.person_rows(participants, clocks, cards)
    seen = seen_before.stored(actor=request_actor(request), encounter_id=encounter.pk) or {}
    return {
        "people": people,
        "seen_before": [
            (row, seen[row.participant.person_id])
            for row in people
            if seen.get(row.participant.person_id)
        ],
        "units": family.unit_summaries(people),
        "encounter": encounter,
        "decision": decision,
        "result": decision.result,
        "override": override,
        "rows": [(p, clocks.get(p.person_id)) for p in participants],
        "can_confirm": encounter.status == EncounterStatus.DECIDED
        and has_capability(request.user, Capability.DECISION_CONFIRM),
        "can_override": encounter.status == EncounterStatus.DECIDED
        and has_capability(request.user, Capability.DECISION_OVERRIDE),
        "can_book_out": has_capability(request.user, Capability.CUSTODY_MANAGE)
        and encounter.status != EncounterStatus.DECIDED,
        "can_see_people": has_capability(request.user, Capability.PERSON_VIEW),
    }


@login_required
def encounter_detail(request: HttpRequest, encounter_id: int) -> HttpResponse:
    context = _encounter_context(request, encounter_id)
    context["override_form"] = OverrideForm(initial={"authority": context["decision"].authority})
    return render_page(request, "processing/encounter_detail.html", context)


@require_POST
@needs(Capability.DECISION_CONFIRM, ENCOUNTER)
def encounter_confirm(request: HttpRequest, encounter_id: int) -> HttpResponse:
    try:
        enc_services.decision_confirm(actor=request_actor(request), encounter_id=encounter_id)
    except DomainError as exc:
        raise_http(exc)
        context = _encounter_context(request, encounter_id)
        context["override_form"] = OverrideForm()
        context["action_error"] = exc.message
        return render_page(request, "processing/encounter_detail.html", context, status=409)
    messages.success(request, _("Decision confirmed. The people can now be booked out."))
    return redirect("processing:encounter_detail", encounter_id=encounter_id)


@require_POST
@needs(Capability.DECISION_OVERRIDE, ENCOUNTER)
def encounter_override(request: HttpRequest, encounter_id: int) -> HttpResponse:
    form = OverrideForm(request.POST)
    if attempt(request, form, enc_services.decision_override, encounter_id=encounter_id):
        messages.success(request, _("Override recorded; a supervisor will review it."))
        return redirect("processing:encounter_detail", encounter_id=encounter_id)
    context = _encounter_context(request, encounter_id)
    context["override_form"] = form
    context["override_open"] = True
    return render_page(request, "processing/encounter_detail.html", context, status=400)


# --- people and families ------------------------------------------------------------------


@login_required
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = read_or_refuse(request, people_selectors.person_view, person_id=person_id)
    now = timezone.now()
    context = {
        "person": person,
        "age_today": person.age_on(timezone.localdate()),
        "history": queries.person_history(person.pk, now=now),
        "families": people_selectors.family_units_of_person(person),
    }
    return render_page(request, "processing/person_detail.html", context)


@login_required
def family_detail(request: HttpRequest, family_unit_id: int) -> HttpResponse:
    unit = read_or_refuse(request, people_selectors.family_unit_view, family_unit_id=family_unit_id)
    now = timezone.now()
    context = {
        "unit": unit,
        "memberships": list(unit.memberships.all()),
        "encounters": queries.family_encounters(unit.pk),
        "clocks": queries.family_custodies(unit.pk, now=now),
        "tasks": queries.family_tasks(unit.pk),
        "can_book_out": has_capability(request.user, Capability.CUSTODY_MANAGE),
    }
    return render_page(request, "processing/family_detail.html", context)
