"""Title 42 (42 U.S.C. 265): the CDC orders of 2020-2023 at the southern border, their
exceptions, Mexico's acceptance of expulsions, the Tamaulipas practice, and the 2026 order that
follows recent presence in listed countries (T42-01..T42-44)."""

from __future__ import annotations

from asilo.policy.keys import (
    MEXICO_ACCEPTANCE,
    MPP_WIND_DOWN,
    TAMAULIPAS,
    TITLE42_CHILDREN,
    TITLE42_EXCEPTIONS,
    TITLE42_ORDER,
)
from asilo.policy.messages import Msg
from asilo.policy.rules.base import (
    MEXICO,
    Context,
    Draft,
    reads,
    reason,
    reason_of,
    source_uncertain,
)
from asilo.policy.rules.cbp_one import appointment_excepts_title42
from asilo.policy.schema import (
    AcceptedGroup,
    MexicoAcceptance,
    MppWindDown,
    TamaulipasPractice,
    Title42Exceptions,
    Title42Order,
    UnaccompaniedChildrenUnderTitle42,
)

reads(Title42Order, "instrument", "scope", "countries", "within_days")
reads(UnaccompaniedChildrenUnderTitle42, "excepted", "basis")
reads(MexicoAcceptance, "groups")
reads(AcceptedGroup, "nationalities", "kinds", "sectors", "practice_default", "limit")
reads(
    TamaulipasPractice, "nationalities", "youngest_child_under", "between_ports", "ports_of_entry"
)
reads(Title42Exceptions, "supervisor_approval", "referral_processes")
reads(MppWindDown, "eligible_statuses", "ports_of_entry")


def apply(ctx: Context, draft: Draft) -> bool:
    """Apply Title 42; ``True`` if it disposes of the unit (the Title 8 rules then skip)."""
    order = ctx.at(TITLE42_ORDER)
    if order.value is None:
        _ended(ctx, draft)
        return False
    if order.value.scope == "recent_presence":
        return _recent_presence_order(ctx, draft, order.value)
    draft.explain(order.entry, "title42.in_force", instrument=order.value.instrument)
    if ctx.is_child_alone and _children_excepted(ctx, draft):
        return False
    if _excepted(ctx, draft):
        return False
    if ctx.is_child_alone:
        return _expel_child(ctx, draft)
    return _expulsion(ctx, draft)


def _ended(ctx: Context, draft: Draft) -> None:
    entry = ctx.at(TITLE42_ORDER).entry
    if entry.period is None:
        return
    at = entry.period.at
    draft.explain(
        entry,
        "title42.ended_at" if at else "title42.ended",
        date=str(entry.period.start),
        time=f"{at:%H:%M}" if at else "",
    )


def _recent_presence_order(ctx: Context, draft: Draft, rule: Title42Order) -> bool:
    """The 2026 order: entry suspended for people recently in listed countries (T42-42)."""
    entry = ctx.at(TITLE42_ORDER).entry
    countries = rule.countries or []
    days = rule.within_days or 0
    params = (("countries", ", ".join(countries)), ("days", days), ("instrument", rule.instrument))
    if ctx.is_child_alone:
        draft.reasons.append(reason_of(entry, Msg("title42.presence_children", params)))
        return False
    exposed = any(
        p.recent_presence is not None
        and any(
            r.country in countries and r.days_before_encounter <= days for r in p.recent_presence
        )
        for p in ctx.people
    )
    if exposed:
        draft.authority, draft.pathway, draft.destination = (
            "title_42",
            "entry_suspended_public_health",
            None,
        )
        source_uncertain(draft, entry)
        draft.reasons.append(reason_of(entry, Msg("title42.presence_suspended", params)))
        return True
    unknown = any(p.recent_presence is None for p in ctx.people)
    code = "title42.presence_unknown" if unknown else "title42.presence_not_covered"
    draft.reasons.append(reason_of(entry, Msg(code, params)))
    return False


def _children_excepted(ctx: Context, draft: Draft) -> bool:
    """Whether the exception for unaccompanied children is in force (with its reason)."""
    rule = ctx.at(TITLE42_CHILDREN)
    if rule.value is None or not rule.value.excepted:
        return False
    draft.explain(rule.entry, "title42.children_excepted", basis=rule.value.basis)
    return True


def _expel_child(ctx: Context, draft: Draft) -> bool:
    entry = ctx.cited(TITLE42_CHILDREN)
    nationality = ctx.principal_nationality
    draft.authority, draft.pathway, draft.destination = "title_42", "expulsion", nationality
    code = (
        "title42.child_expelled_land" if nationality == MEXICO else "title42.child_expelled_flight"
    )
    draft.explain(entry, code)
    _exception_option(ctx, draft)
    return True


def _exception_option(ctx: Context, draft: Draft) -> None:
    rule = ctx.at(TITLE42_EXCEPTIONS)
    if rule.value is None:
        return
    code = (
        "title42.exception_option_supervisor"
        if rule.value.supervisor_approval
        else "title42.exception_option"
    )
    draft.option("title_8", "processing", None, reason(rule.entry, code))


def _excepted(ctx: Context, draft: Draft) -> bool:
    """A granted exception, a CBP One appointment for one, or an MPP wind-down case."""
    enc = ctx.encounter
    exceptions = ctx.at(TITLE42_EXCEPTIONS)
    if enc.title42_exception_granted and exceptions.value is not None:
        processes = exceptions.value.referral_processes
        draft.flag("title42_exception")
        draft.explain(
            exceptions.entry,
            "title42.exception_granted_via" if processes else "title42.exception_granted",
            processes=", ".join(processes),
        )
        return True
    if enc.cbp_one_appointment and appointment_excepts_title42(ctx, draft):
        return True
    wind_down = ctx.at(MPP_WIND_DOWN)
    if (
        enc.mpp_case is not None
        and wind_down.value is not None
        and enc.mpp_case.status in wind_down.value.eligible_statuses
        and ctx.at_port(wind_down.value.ports_of_entry)
    ):
        draft.flag("mpp_wind_down")
        draft.explain(
            wind_down.entry,
            "title42.mpp_wind_down",
            status=enc.mpp_case.status,
            place=ctx.place.name,
        )
        return True
    return False


def _accepting_group(ctx: Context) -> AcceptedGroup | None:
    """The group under which Mexico accepted every member of the unit here, if any.

    Each nationality must be accepted at this place by some group; if any of those groups was
    limited to an option, the unit's acceptance is that (most limited) group.
    """
    rule = ctx.at(MEXICO_ACCEPTANCE).value
    if rule is None:
        return None
    found: list[AcceptedGroup] = []
    for nationality in dict.fromkeys(ctx.nationalities):
        group = next(
            (
                g
                for g in rule.groups
                if nationality in g.nationalities
                and ctx.place.kind in g.kinds
                and (g.sectors is None or ctx.place.sector in g.sectors)
            ),
            None,
        )
        if group is None:
            return None
        found.append(group)
    return next((g for g in found if g.practice_default == "option"), found[0])


def _expulsion(ctx: Context, draft: Draft) -> bool:
    acceptance = ctx.cited(MEXICO_ACCEPTANCE)
    group = _accepting_group(ctx)
    nationality = ctx.principal_nationality
    if group is None:
        draft.flag("discretionary")
        draft.explain(acceptance, "title42.mexico_refuses", nationality=nationality, fact="T42-20")
        _flight_option(ctx, draft)
        return False
    if _tamaulipas_refuses(ctx, draft):
        return False
    if group.practice_default == "option":
        draft.flag("discretionary")
        why = reason(
            acceptance, "title42.mexico_limited", nationality=nationality, limit=group.limit or ""
        )
        draft.reasons.append(why)
        draft.option("title_42", "expulsion", MEXICO, why)
        return False
    draft.authority, draft.pathway, draft.destination = "title_42", "expulsion", MEXICO
    draft.explain(
        acceptance,
        "title42.mexico_accepts_limited" if group.limit else "title42.mexico_accepts",
        nationals=", ".join(sorted(set(ctx.nationalities))),
        limit=group.limit or "",
    )
    _exception_option(ctx, draft)
    return True


def _flight_option(ctx: Context, draft: Draft) -> None:
    draft.option(
        "title_42",
        "expulsion",
        ctx.principal_nationality,
        reason(ctx.cited(MEXICO_ACCEPTANCE), "title42.flight_option", fact="T42-21"),
    )


def _tamaulipas_refuses(ctx: Context, draft: Draft) -> bool:
    practice = ctx.at(TAMAULIPAS)
    rule = practice.value
    if rule is None or ctx.unit.demographic != "family_unit":
        return False
    in_reach = (ctx.place.kind == "between_ports" and ctx.place.name in rule.between_ports) or (
        ctx.place.kind == "port_of_entry" and ctx.place.name in rule.ports_of_entry
    )
    youngest = min(p.age for p in ctx.people if p.is_child)
    if not (
        in_reach
        and youngest < rule.youngest_child_under
        and all(n in rule.nationalities for n in ctx.nationalities)
    ):
        return False
    draft.flag("local_practice")
    draft.flag("discretionary")
    draft.explain(
        practice.entry,
        "title42.tamaulipas",
        under=rule.youngest_child_under,
        place=ctx.place.name,
    )
    _flight_option(ctx, draft)
    return True
