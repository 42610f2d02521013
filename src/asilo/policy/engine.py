"""``decide``: the rules, read from the catalogue state in force at the encounter's moment.

The rules read the encounter's date only through :meth:`Catalogue.state_at`; everything else they
read is the encounter's people, place and declared facts. That makes ``decide`` pure and lets
:mod:`asilo.policy.batch` decide each distinct encounter shape once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from asilo.policy.catalogue import Catalogue, CatalogueState, InForce
from asilo.policy.decision import (
    Authority,
    Decision,
    Demographic,
    MemberOutcome,
    Option,
    Outcome,
    Pathway,
    Reason,
    ReasonCitation,
)
from asilo.policy.encounter import Encounter, EncounterInputError, Person
from asilo.policy.places import Place
from asilo.policy.schema import (
    AcceptedGroup,
    AsylumCooperativeAgreement,
    AsylumLimitation,
    CbpOne,
    ChnvParole,
    CustodyStandard,
    EntryProclamation,
    MexicoAcceptance,
    MppProgramme,
    MppResumption,
    MppWindDown,
    TamaulipasPractice,
    Title8ReturnsToMexico,
    Title42Exceptions,
    Title42Order,
    TransferAgreement,
    TransitBar,
    Tvpra,
    UnaccompaniedChildrenUnderTitle42,
)

if TYPE_CHECKING:
    from asilo.policy.scenario import Scenario

MEXICO = "MEX"


# --- units: who shares an outcome ---------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """People who share one outcome: a family unit, or one single adult or child."""

    demographic: Demographic
    members: tuple[int, ...]
    why: tuple[str, str]


def form_units(encounter: Encounter, place: Place) -> list[Unit]:
    """Split a group into units as the law sees them (parents/guardians + children = family)."""
    people = encounter.people
    subject = [i for i, p in enumerate(people) if not p.has_status]
    children = [i for i in subject if people[i].is_child]
    guardians = [i for i, p in enumerate(people) if p.is_guardian]
    if encounter.unaccompanied or not children:
        guardians = []
    others = [i for i in subject if not people[i].is_child and i not in guardians]
    units: list[Unit] = []
    if children and guardians:
        unlawful_guardians = [g for g in guardians if not people[g].has_status]
        if not unlawful_guardians and place.kind == "port_of_entry":
            units.append(Unit("accompanied_minor", tuple(children), _WHY_ACCOMPANIED))
        else:
            units.append(
                Unit("family_unit", tuple(sorted(unlawful_guardians + children)), _WHY_FAMILY)
            )
    else:
        units.extend(Unit("unaccompanied_child", (c,), _WHY_UC) for c in children)
    units.extend(Unit("single_adult", (a,), _WHY_SINGLE) for a in others)
    return sorted(units, key=lambda u: u.members[0])


_WHY_FAMILY = (
    "parents or legal guardians and their children under 18 form one family unit",
    "los padres o tutores legales y sus hijos menores de 18 años forman una unidad familiar",
)
_WHY_ACCOMPANIED = (
    "a child without status travelling with a U.S.-citizen or lawfully admissible parent or"
    " guardian, met at a port, is an accompanied minor",
    "un menor sin estatus que viaja con un padre o tutor ciudadano estadounidense o admisible,"
    " encontrado en un puerto, es un menor acompañado",
)
_WHY_UC = (
    "a child under 18 with no parent or legal guardian available is an unaccompanied child,"
    " even when travelling with another relative",
    "un menor de 18 años sin padre ni tutor legal disponible es un niño no acompañado, aunque"
    " viaje con otro familiar",
)
_WHY_SINGLE = (
    "an adult who is not a parent or legal guardian of a child in the group is a single adult",
    "un adulto que no es padre ni tutor legal de un menor del grupo es un adulto solo",
)


# --- building an outcome ------------------------------------------------------------------


def _citation(entry: InForce, fact: str | None = None) -> ReasonCitation:
    assert entry.period is not None
    chosen = entry.period.citations[0]
    if fact is not None:
        chosen = next((c for c in entry.period.citations if c.fact == fact), chosen)
    return ReasonCitation(
        title=chosen.title, url=chosen.url, section=chosen.section, fact=chosen.fact
    )


_REASONS: dict[tuple[int, str, str, str, str | None], tuple[object, Reason]] = {}


def reason(entry: InForce, en: str, es: str, fact: str | None = None) -> Reason:
    """The reason a rule gives, citing the value in force (memoised: reasons are immutable)."""
    key = (id(entry.period), entry.name, en, es, fact)
    cached = _REASONS.get(key)
    if cached is not None and cached[0] is entry.period:
        return cached[1]
    made = Reason(rule=entry.name, text=en, text_es=es, citation=_citation(entry, fact))
    if len(_REASONS) > 200_000:
        _REASONS.clear()
    _REASONS[key] = (entry.period, made)
    return made


@dataclass
class _Draft:
    demographic: Demographic
    authority: Authority = "title_8"
    pathway: Pathway = "processing"
    destination: str | None = None
    custody_limit_hours: int | None = None
    custody_standard_hours: int | None = None
    flags: list[str] = field(default_factory=list)
    options: list[Option] = field(default_factory=list)
    reasons: list[Reason] = field(default_factory=list)

    def flag(self, name: str) -> None:
        if name not in self.flags:
            self.flags.append(name)

    def option(self, authority: Authority, pathway: Pathway, dest: str | None, why: Reason) -> None:
        self.options.append(
            Option(authority=authority, pathway=pathway, destination=dest, reason=why)
        )

    def outcome(self) -> Outcome:
        return Outcome(
            authority=self.authority,
            pathway=self.pathway,
            destination=self.destination,
            demographic=self.demographic,
            custody_limit_hours=self.custody_limit_hours,
            custody_standard_hours=self.custody_standard_hours,
            flags=tuple(self.flags),
            options=tuple(self.options),
            reasons=tuple(self.reasons),
        )


@dataclass(frozen=True)
class _Context:
    encounter: Encounter
    place: Place
    state: CatalogueState
    catalogue: Catalogue
    unit: Unit
    people: tuple[Person, ...]
    nationalities: tuple[str, ...]

    @classmethod
    def of(
        cls,
        encounter: Encounter,
        place: Place,
        state: CatalogueState,
        catalogue: Catalogue,
        unit: Unit,
    ) -> _Context:
        people = tuple(encounter.people[i] for i in unit.members)
        nationalities = tuple(p.nationality for p in people)
        return cls(encounter, place, state, catalogue, unit, people, nationalities)

    @property
    def principal_nationality(self) -> str:
        return self.nationalities[0]

    def get(self, name: str) -> InForce:
        return self.state.get(name)

    def travelling_family(self) -> list[Person]:
        """The unit, or the whole group when it declares family ties (a relationship)."""
        if any(p.relationship is not None for p in self.encounter.people):
            return list(self.encounter.people)
        return list(self.people)

    def at_port(self, ports: list[str]) -> bool:
        return self.place.kind == "port_of_entry" and self.place.name in ports


# --- Title 42 -----------------------------------------------------------------------------


def _title42(ctx: _Context, draft: _Draft) -> bool:
    """Apply Title 42; ``True`` if the unit is expelled under it (the Title 8 rules then skip)."""
    order = ctx.get("title42/order")
    if order.value is None:
        if order.period is not None:
            ended = f"{order.period.start}" + (
                f" at {order.period.at:%H:%M} ET" if order.period.at else ""
            )
            draft.reasons.append(
                reason(
                    order,
                    f"Title 42 ended on {ended}: no one is expelled under it.",
                    f"El Título 42 terminó el {ended.replace(' at ', ' a las ')}: nadie es"
                    " expulsado bajo él.",
                )
            )
        return False
    if cast(Title42Order, order.value).scope == "recent_presence":
        return _public_health_order(ctx, draft, order, cast(Title42Order, order.value))
    draft.reasons.append(
        reason(
            order,
            f"Title 42 is in force ({cast(Title42Order, order.value).instrument}): people"
            " without proper documents are expelled instead of processed, unless excepted.",
            "El Título 42 está vigente: las personas sin documentos adecuados son expulsadas en"
            " lugar de procesadas, salvo excepción.",
        )
    )
    if ctx.unit.demographic == "unaccompanied_child" and _children_excepted(ctx, draft):
        return False
    if _title42_excepted(ctx, draft):
        return False
    if ctx.unit.demographic == "unaccompanied_child":
        return _expel_child(ctx, draft)
    return _title42_expulsion(ctx, draft)


def _source_uncertain(draft: _Draft, entry: InForce) -> None:
    """A value resting on weak sources only: the decision says so."""
    if entry.period is not None and entry.period.uncertain is not None:
        draft.flag("source_uncertain")


def _public_health_order(ctx: _Context, draft: _Draft, order: InForce, rule: Title42Order) -> bool:
    """The 2026 Title 42 order: entry suspended for people recently in listed countries."""
    countries = ", ".join(rule.countries or [])
    days = rule.within_days or 0
    if ctx.unit.demographic == "unaccompanied_child":
        draft.reasons.append(
            reason(
                order,
                f"A Title 42 order is in force ({rule.instrument}) for people in {countries} in"
                f" the previous {days} days; its application to unaccompanied children is not"
                " documented, so the child keeps the TVPRA path.",
                f"Hay una orden del Título 42 vigente para personas que estuvieron en"
                f" {countries} en los {days} días anteriores; no está documentado que se aplique"
                " a niños no acompañados, así que el niño sigue la vía de la TVPRA.",
            )
        )
        return False
    exposed = [
        p
        for p in ctx.people
        if p.recent_presence is not None
        and any(
            r.country in (rule.countries or []) and r.days_before_encounter <= days
            for r in p.recent_presence
        )
    ]
    if exposed:
        draft.authority, draft.pathway, draft.destination = (
            "title_42",
            "entry_suspended_public_health",
            None,
        )
        _source_uncertain(draft, order)
        draft.reasons.append(
            reason(
                order,
                f"A Title 42 order is in force ({rule.instrument}): someone in the unit was in"
                f" {countries} in the previous {days} days, so entry is suspended on public-health"
                " grounds (how the order is carried out at a land border is not documented).",
                f"Hay una orden del Título 42 vigente: alguien de la unidad estuvo en {countries}"
                f" en los {days} días anteriores, así que su entrada queda suspendida por razones"
                " de salud pública (no está documentado cómo se aplica en la frontera terrestre).",
            )
        )
        return True
    if any(p.recent_presence is None for p in ctx.people):
        draft.reasons.append(
            reason(
                order,
                f"A Title 42 order is in force ({rule.instrument}) for anyone in {countries} in"
                f" the previous {days} days; recent travel is not recorded for everyone in the"
                " unit: ask, and record it as recent_presence. Decided as not covered.",
                f"Hay una orden del Título 42 vigente para quien haya estado en {countries} en"
                f" los {days} días anteriores; no consta el viaje reciente de todos en la unidad:"
                " pregunte y regístrelo. Se decide como no cubierto.",
            )
        )
    else:
        draft.reasons.append(
            reason(
                order,
                f"A Title 42 order is in force ({rule.instrument}) for people in {countries} in"
                f" the previous {days} days; no one in the unit was: it does not apply.",
                f"Hay una orden del Título 42 vigente para personas que estuvieron en"
                f" {countries} en los {days} días anteriores; nadie de la unidad estuvo: no se"
                " aplica.",
            )
        )
    return False


def _proclamation(ctx: _Context, draft: _Draft) -> str | None:
    """Proclamation 10888: the procedure it imposes on the unit (``None``: it does not reach it)."""
    entry = ctx.get("entry/proclamation_10888")
    rule = cast(EntryProclamation | None, entry.value)
    if rule is None:
        return None
    if ctx.place.kind not in rule.kinds:
        draft.reasons.append(
            reason(
                entry,
                f"{rule.instrument} suspends entry between ports; its application at ports of"
                " entry is not documented: the unit is processed under Title 8.",
                "La proclamación suspende la entrada entre puertos; no está documentado que se"
                " aplique en los puertos de entrada: la unidad se procesa bajo el Título 8.",
                fact="PROC-01",
            )
        )
        return None
    if ctx.unit.demographic == "unaccompanied_child" and not rule.unaccompanied_children_covered:
        draft.reasons.append(
            reason(
                entry,
                f"{rule.instrument} is in force, but its application to unaccompanied children"
                " is not documented: the TVPRA still applies.",
                "La proclamación está vigente, pero no está documentado que se aplique a niños no"
                " acompañados: sigue aplicándose la TVPRA.",
                fact="PROC-01",
            )
        )
        return None
    draft.flag("asylum_barred_212f")
    if rule.litigation_status_uncertain:
        draft.flag("litigation_status_uncertain")
    if rule.procedure == "summary_repatriation":
        nationality = ctx.principal_nationality
        draft.authority, draft.pathway, draft.destination = (
            "proclamation_212f",
            "summary_repatriation",
            nationality,
        )
        draft.reasons.append(
            reason(
                entry,
                f"Crossed between ports while {rule.instrument} is in force: entry is suspended"
                " and asylum barred under INA 212(f); DHS repatriates summarily, with no asylum"
                f" application and no fear screening (to {nationality}).",
                "Cruzó entre puertos con la Proclamación 10888 vigente: la entrada está"
                " suspendida y el asilo prohibido (INA 212(f)); el DHS repatría de forma sumaria,"
                f" sin solicitud de asilo ni entrevista de temor (a {nationality}).",
            )
        )
        return rule.procedure
    draft.flag("withholding_cat_screening_required")
    draft.reasons.append(
        reason(
            entry,
            f"Crossed between ports while {rule.instrument} is in force: asylum is barred, but"
            " since the D.C. Circuit's partial stay of 2025-08-01 removal is under Title 8 and"
            " withholding of removal and CAT protection must be screened first.",
            "Cruzó entre puertos con la Proclamación 10888 vigente: el asilo está prohibido,"
            " pero desde la suspensión parcial del Circuito de D.C. del 1 de agosto de 2025 la"
            " remoción es bajo el Título 8 y antes deben evaluarse la suspensión de la remoción"
            " y la protección de la CAT.",
            fact="PROC-06",
        )
    )
    if rule.litigation_status_uncertain:
        draft.reasons.append(
            reason(
                entry,
                "The D.C. Circuit reportedly held the proclamation unlawful on 2026-04-24; what"
                " changed on the ground is not confirmed, so the 2025-08-01 state is kept.",
                "Según informes, el Circuito de D.C. declaró ilegal la proclamación el 24 de abril"
                " de 2026; no está confirmado qué cambió en la práctica, así que se mantiene la"
                " situación del 1 de agosto de 2025.",
                fact="PROC-08a",
            )
        )
    return rule.procedure


def _children_excepted(ctx: _Context, draft: _Draft) -> bool:
    """Whether the exception for unaccompanied children is in force (with its reason)."""
    entry = ctx.get("title42/unaccompanied_children")
    rule = cast(UnaccompaniedChildrenUnderTitle42, entry.value)
    if not rule.excepted:
        return False
    draft.reasons.append(
        reason(
            entry,
            f"Unaccompanied children are excepted from Title 42 ({rule.basis}); the child is"
            " processed under Title 8.",
            f"Los niños no acompañados están exceptuados del Título 42 ({rule.basis}); el"
            " niño se procesa bajo el Título 8.",
        )
    )
    return True


def _expel_child(ctx: _Context, draft: _Draft) -> bool:
    entry = ctx.get("title42/unaccompanied_children")
    nationality = ctx.principal_nationality
    draft.authority, draft.pathway, draft.destination = "title_42", "expulsion", nationality
    how = "by land into Mexico" if nationality == MEXICO else "by flight to the child's country"
    how_es = "por tierra a México" if nationality == MEXICO else "en vuelo a su país"
    draft.reasons.append(
        reason(
            entry,
            f"No exception for unaccompanied children is in force: the child is expelled {how}.",
            f"No hay excepción vigente para niños no acompañados: el niño es expulsado {how_es}.",
        )
    )
    _exception_option(ctx, draft)
    return True


def _exception_option(ctx: _Context, draft: _Draft) -> None:
    entry = ctx.get("title42/exceptions")
    if entry.value is None:
        return
    rule = cast(Title42Exceptions, entry.value)
    approval = " with a supervisor's approval" if rule.supervisor_approval else ""
    approval_es = " con la aprobación de un supervisor" if rule.supervisor_approval else ""
    draft.option(
        "title_8",
        "processing",
        None,
        reason(
            entry,
            f"An officer may except a person from Title 42 case by case{approval} on"
            " humanitarian, public health or safety grounds.",
            "Un agente puede exceptuar a una persona del Título 42 caso por caso"
            f"{approval_es} por razones humanitarias, de salud pública o de seguridad.",
        ),
    )


def _title42_excepted(ctx: _Context, draft: _Draft) -> bool:
    enc = ctx.encounter
    exceptions = ctx.get("title42/exceptions")
    if enc.title42_exception_granted and exceptions.value is not None:
        processes = cast(Title42Exceptions, exceptions.value).referral_processes
        via = f" Referral processes in force: {', '.join(processes)}." if processes else ""
        via_es = f" Procesos de remisión vigentes: {', '.join(processes)}." if processes else ""
        draft.flag("title42_exception")
        draft.reasons.append(
            reason(
                exceptions,
                "A Title 42 exception was granted: the unit is processed under Title 8." + via,
                "Se concedió una excepción al Título 42: la unidad se procesa bajo el Título 8."
                + via_es,
            )
        )
        return True
    if enc.cbp_one_appointment:
        cbp_one = ctx.get("cbp_one/appointments")
        rule = cast(CbpOne | None, cbp_one.value)
        if (
            rule is not None
            and rule.purpose == "title42_exception"
            and ctx.at_port(rule.ports_of_entry)
        ):
            draft.flag("title42_exception")
            draft.reasons.append(
                reason(
                    cbp_one,
                    f"Presented at {ctx.place.name} with a CBP One appointment for a Title 42"
                    " exception: processed under Title 8 (an appointment does not guarantee the"
                    " exception; the officer may refuse it).",
                    f"Se presentó en {ctx.place.name} con una cita de CBP One para una excepción"
                    " al Título 42: se procesa bajo el Título 8 (la cita no garantiza la"
                    " excepción; el agente puede negarla).",
                )
            )
            return True
        _appointment_not_valid(ctx, draft)
    wind_down = ctx.get("mpp/wind_down")
    if enc.mpp_case is not None and wind_down.value is not None:
        rule_wd = cast(MppWindDown, wind_down.value)
        if enc.mpp_case.status in rule_wd.eligible_statuses and ctx.at_port(rule_wd.ports_of_entry):
            draft.flag("mpp_wind_down")
            draft.reasons.append(
                reason(
                    wind_down,
                    f"An MPP case ({enc.mpp_case.status}) eligible for the 2021 wind-down,"
                    f" presented at {ctx.place.name}: processed into the United States under"
                    " Title 8 to continue the case.",
                    f"Un caso del MPP ({enc.mpp_case.status}) elegible para el cierre de 2021,"
                    f" presentado en {ctx.place.name}: ingresa a Estados Unidos bajo el Título 8"
                    " para continuar su caso.",
                )
            )
            return True
    return False


def _appointment_not_valid(ctx: _Context, draft: _Draft) -> None:
    entry = ctx.get("cbp_one/appointments")
    if entry.period is None:
        entry = ctx.catalogue.first_entry("cbp_one/appointments")
    draft.reasons.append(
        reason(
            entry,
            f"A CBP One appointment has no effect here: none could be booked for"
            f" {ctx.place.name} ({ctx.place.kind.replace('_', ' ')}) at this date.",
            f"Una cita de CBP One no tiene efecto aquí: no se podía reservar para"
            f" {ctx.place.name} en esta fecha.",
        )
    )


def _accepting_group(ctx: _Context) -> AcceptedGroup | None:
    """The group under which Mexico accepted every member of the unit here, if any.

    Each nationality must be accepted at this place by some group; if any of those groups was
    limited to an option, the unit's acceptance is that (most limited) group.
    """
    rule = cast(MexicoAcceptance | None, ctx.get("title42/mexico_acceptance").value)
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


def _title42_expulsion(ctx: _Context, draft: _Draft) -> bool:
    acceptance = ctx.get("title42/mexico_acceptance")
    group = _accepting_group(ctx)
    nationality = ctx.principal_nationality
    if group is None:
        draft.flag("discretionary")
        draft.reasons.append(
            reason(
                acceptance,
                f"Mexico did not accept Title 42 expulsions of nationals of {nationality} here;"
                " they could only be flown home, and in practice were mostly processed under"
                " Title 8. Documented default: Title 8 processing; expulsion by flight is an"
                " option.",
                f"México no aceptaba expulsiones bajo el Título 42 de nacionales de {nationality}"
                " aquí; solo podían ser devueltos en avión y en la práctica casi siempre se"
                " procesaban bajo el Título 8. Por defecto documentado: procesamiento bajo el"
                " Título 8; la expulsión en vuelo es una opción.",
            )
        )
        _flight_option(ctx, draft)
        return False
    if _tamaulipas_refuses(ctx, draft):
        return False
    if group.practice_default == "option":
        draft.flag("discretionary")
        draft.reasons.append(
            reason(
                acceptance,
                f"Mexico accepted a limited number of expulsions of nationals of {nationality}"
                f" from this area ({group.limit}); documented default: Title 8 processing, with"
                " land expulsion to Mexico as an option.",
                f"México aceptaba un número limitado de expulsiones de nacionales de"
                f" {nationality} desde esta zona ({group.limit}); por defecto: procesamiento bajo"
                " el Título 8, con la expulsión por tierra a México como opción.",
            )
        )
        draft.option("title_42", "expulsion", MEXICO, draft.reasons[-1])
        return False
    draft.authority, draft.pathway, draft.destination = "title_42", "expulsion", MEXICO
    limit = f" ({group.limit})" if group.limit else ""
    nationals = ", ".join(sorted(set(ctx.nationalities)))
    draft.reasons.append(
        reason(
            acceptance,
            f"Mexico accepted Title 42 expulsions of nationals of {nationals} at this"
            f" place{limit}: the unit is expelled to Mexico.",
            f"México aceptaba expulsiones bajo el Título 42 de nacionales de {nationals} en este"
            f" lugar{limit}: la unidad es expulsada a México.",
        )
    )
    _exception_option(ctx, draft)
    return True


def _flight_option(ctx: _Context, draft: _Draft) -> None:
    order = ctx.get("title42/order")
    draft.option(
        "title_42",
        "expulsion",
        ctx.principal_nationality,
        reason(
            order,
            "Title 42 allows expulsion by flight to the country of origin (done, for example, to"
            " Haiti in September 2021 and to Guatemala until 2023-05-11).",
            "El Título 42 permite la expulsión en vuelo al país de origen (se hizo, por ejemplo,"
            " a Haití en septiembre de 2021 y a Guatemala hasta el 11 de mayo de 2023).",
            fact="T42-21",
        ).model_copy(
            update={
                "citation": ReasonCitation(
                    title="Biden administration continues efforts to change immigration policy"
                    " (American Journal of International Law)",
                    url="http://core-cms.prod.aop.cambridge.org/core/journals/american-journal-of-international-law/article/biden-administration-continues-efforts-to-change-immigration-policy-amidst-surges-of-migrants-and-court-losses/F2C31925C7F9A6869CD3A0D23A43477B",
                    section="Expulsion flights to countries of origin",
                    fact="T42-21",
                )
            }
        ),
    )


def _tamaulipas_refuses(ctx: _Context, draft: _Draft) -> bool:
    entry = ctx.get("title42/tamaulipas_young_children")
    rule = cast(TamaulipasPractice | None, entry.value)
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
    draft.reasons.append(
        reason(
            entry,
            f"Local practice, not a rule: Tamaulipas refused Central American families with a"
            f" child under {rule.youngest_child_under} expelled from {ctx.place.name}, and CBP"
            " released such families for Title 8 processing. Documented default: Title 8"
            " processing; expulsion by flight home remained lawful.",
            f"Práctica local, no una regla: Tamaulipas rechazaba a familias centroamericanas con"
            f" un niño menor de {rule.youngest_child_under} años expulsadas desde"
            f" {ctx.place.name}, y CBP las liberaba para procesarlas bajo el Título 8. Por"
            " defecto: procesamiento bajo el Título 8; la expulsión en vuelo seguía siendo legal.",
        )
    )
    _flight_option(ctx, draft)
    return True


# --- Title 8 ------------------------------------------------------------------------------


def _title8(ctx: _Context, draft: _Draft, *, screening_only: bool = False) -> None:
    draft.authority, draft.pathway, draft.destination = "title_8", "processing", None
    if screening_only:
        draft.pathway = "removal_protection_screening_only"
    if ctx.unit.demographic == "unaccompanied_child":
        _tvpra(ctx, draft)
    else:
        _mpp(ctx, draft)
        _mpp_resumption(ctx, draft)
        _aca(ctx, draft)
        _transfer_agreement(ctx, draft)
    _transit_bar(ctx, draft)
    _limitation(ctx, draft, "asylum/lawful_pathways", "lawful_pathways")
    _limitation(ctx, draft, "asylum/securing_the_border", "border_limitation")
    _title8_returns(ctx, draft)


def _tvpra(ctx: _Context, draft: _Draft) -> None:
    entry = ctx.get("tvpra/unaccompanied_children")
    rule = cast(Tvpra, entry.value)
    draft.custody_limit_hours = rule.transfer_hours
    if ctx.principal_nationality in rule.contiguous_countries:
        draft.pathway = "tvpra_contiguous_screening"
        draft.reasons.append(
            reason(
                entry,
                f"An unaccompanied child from a contiguous country ({ctx.principal_nationality})"
                " is screened (trafficking, fear, ability to decide) and may be returned only if"
                f" the statutory criteria are met; otherwise transferred to ORR within"
                f" {rule.transfer_hours} hours.",
                f"Un niño no acompañado de un país contiguo ({ctx.principal_nationality}) es"
                " evaluado (trata, temor, capacidad de decidir) y solo puede ser devuelto si se"
                f" cumplen los criterios legales; si no, pasa a la ORR en {rule.transfer_hours}"
                " horas.",
                fact="UC-03",
            )
        )
        return
    draft.pathway = "orr_transfer"
    draft.reasons.append(
        reason(
            entry,
            f"An unaccompanied child is reported to HHS within {rule.notify_hours} hours and"
            f" transferred to ORR custody within {rule.transfer_hours} hours.",
            f"Un niño no acompañado se notifica al HHS en {rule.notify_hours} horas y pasa a la"
            f" custodia de la ORR en {rule.transfer_hours} horas.",
            fact="UC-02",
        )
    )


def mpp_amenability(ctx: _Context) -> tuple[bool, InForce, str, str]:
    """Whether MPP could apply to the unit, with the reason in English and Spanish."""
    entry = ctx.get("mpp/enrolment")
    rule = cast(MppProgramme | None, entry.value)
    if rule is None:
        return False, entry, "MPP is not in force.", "El MPP no está vigente."
    if ctx.unit.demographic == "unaccompanied_child":
        return (
            False,
            entry,
            "Unaccompanied children are not amenable to MPP.",
            ("Los niños no acompañados no son elegibles para el MPP."),
        )
    if MEXICO in ctx.nationalities:
        return (
            False,
            entry,
            "Mexican nationals are not amenable to MPP.",
            ("Los nacionales mexicanos no son elegibles para el MPP."),
        )
    if ctx.place.sector not in rule.sectors:
        return (
            False,
            entry,
            f"{rule.programme} was not applied in the {ctx.place.sector} area.",
            (f"El {rule.programme} no se aplicaba en la zona de {ctx.place.sector}."),
        )
    if not all(n in rule.nationalities for n in ctx.nationalities):
        return (
            False,
            entry,
            f"{rule.programme} did not in practice enrol these nationalities.",
            (f"En la práctica el {rule.programme} no inscribía a estas nacionalidades."),
        )
    excluded = sorted(
        {v for p in ctx.people for v in p.vulnerabilities} & set(rule.excluded_vulnerabilities)
    )
    if excluded:
        return (
            False,
            entry,
            f"Not amenable to MPP: {', '.join(excluded)}.",
            (f"No elegible para el MPP: {', '.join(excluded)}."),
        )
    if ctx.encounter.fear_of_return_to_mexico_established:
        return (
            False,
            entry,
            "Fear of return to Mexico was established: not amenable to MPP.",
            ("Se estableció temor de regresar a México: no elegible para el MPP."),
        )
    return True, entry, "", ""


def _mpp(ctx: _Context, draft: _Draft) -> None:
    amenable, entry, en, es = mpp_amenability(ctx)
    rule = cast(MppProgramme | None, entry.value)
    if rule is None:
        return
    if not amenable:
        draft.reasons.append(reason(entry, en, es, fact="MPP-04"))
        return
    why = reason(
        entry,
        f"Amenable to {rule.programme}: a Notice to Appear and return to Mexico through"
        f" {', '.join(rule.return_ports)} to await the hearing; enrolment was at the officer's"
        " discretion.",
        f"Elegible para el {rule.programme}: Notificación de Comparecencia y retorno a México por"
        f" {', '.join(rule.return_ports)} para esperar la audiencia; la inscripción era"
        " discrecional.",
        fact="MPP-03" if rule.programme == "MPP 1.0" else "MPP-22",
    )
    draft.flag("discretionary")
    draft.reasons.append(why)
    if rule.practice_default == "pathway":
        draft.pathway, draft.destination = "mpp_return", MEXICO
        draft.option("title_8", "processing", None, why)
    else:
        draft.option("title_8", "mpp_return", MEXICO, why)


def _aca(ctx: _Context, draft: _Draft) -> None:
    entry = ctx.get("aca/guatemala")
    rule = cast(AsylumCooperativeAgreement | None, entry.value)
    if rule is None:
        return
    if not (
        ctx.place.kind == "between_ports"
        and ctx.place.sector in rule.sectors
        and (not rule.adults_only or ctx.unit.demographic == "single_adult")
        and all(n in rule.nationalities for n in ctx.nationalities)
    ):
        return
    why = reason(
        entry,
        f"An adult from {ctx.principal_nationality} processed in the El Paso sector could be"
        f" transferred to {rule.receiving_country} under the Asylum Cooperative Agreement; CBP"
        " chose between ACA and MPP.",
        f"Un adulto de {ctx.principal_nationality} procesado en el sector de El Paso podía ser"
        f" trasladado a {rule.receiving_country} bajo el Acuerdo de Cooperación en materia de"
        " Asilo; CBP elegía entre el ACA y el MPP.",
    )
    draft.flag("discretionary")
    draft.reasons.append(why)
    if rule.practice_default == "pathway":
        draft.pathway, draft.destination = "aca_transfer", rule.receiving_country
        draft.option("title_8", "processing", None, why)
    else:
        draft.option("title_8", "aca_transfer", rule.receiving_country, why)


def _mpp_resumption(ctx: _Context, draft: _Draft) -> None:
    entry = ctx.get("mpp/resumption")
    rule = cast(MppResumption | None, entry.value)
    if rule is None or MEXICO in ctx.nationalities:
        return
    draft.flag("mpp_announced_not_operational")
    draft.reasons.append(
        reason(
            entry,
            f"MPP was ordered resumed ({rule.instrument}) and DHS announced it, but Mexico has"
            " not agreed and no return under it is sourced: no MPP return is offered.",
            "Se ordenó reanudar el MPP y el DHS lo anunció, pero México no lo ha aceptado y no"
            " hay constancia de ninguna devolución: no se ofrece el retorno del MPP.",
            fact="MPP25-03",
        )
    )


def _transfer_agreement(ctx: _Context, draft: _Draft) -> None:
    entry = ctx.get("aca/honduras")
    rule = cast(TransferAgreement | None, entry.value)
    if rule is None:
        return
    if not (
        ctx.place.kind in rule.kinds
        and (not rule.adults_only or ctx.unit.demographic == "single_adult")
        and rule.receiving_country not in ctx.nationalities
    ):
        return
    why = reason(
        entry,
        f"Under the agreement with {rule.receiving_country} (INA 208(a)(2)(A)) a person who"
        f" asks for protection may be sent to {rule.receiving_country} to seek it there (never"
        " its own nationals); the transfer is at DHS's discretion and a fear of persecution"
        " there must be screened.",
        f"Según el acuerdo con {rule.receiving_country} (INA 208(a)(2)(A)) una persona que pide"
        f" protección puede ser enviada a {rule.receiving_country} para pedirla allí (nunca sus"
        " propios nacionales); el traslado es discrecional y debe evaluarse el temor a"
        " persecución allí.",
        fact="ACA-11",
    )
    draft.flag("discretionary")
    draft.reasons.append(why)
    if rule.practice_default == "pathway":
        draft.pathway, draft.destination = "aca_transfer", rule.receiving_country
    else:
        draft.option("title_8", "aca_transfer", rule.receiving_country, why)


def _transit_bar(ctx: _Context, draft: _Draft) -> None:
    entry = ctx.get("asylum/third_country_transit_bar")
    rule = cast(TransitBar | None, entry.value)
    if rule is None or all(n in rule.not_transiting_nationalities for n in ctx.nationalities):
        return
    if ctx.encounter.asylum_denied_in_transit_country:
        draft.reasons.append(
            reason(
                entry,
                "Applied for protection in a transit country and was denied: not barred by the"
                " third-country transit rule.",
                "Solicitó protección en un país de tránsito y fue denegada: no le aplica la"
                " prohibición por tránsito en un tercer país.",
            )
        )
        return
    draft.flag("third_country_transit_bar")
    draft.reasons.append(
        reason(
            entry,
            "Reached the southern border through a third country without seeking protection"
            " there: barred from asylum (other protection can still be claimed).",
            "Llegó a la frontera sur por un tercer país sin pedir protección allí: no puede"
            " obtener asilo (puede pedir otras formas de protección).",
        )
    )


def lawful_pathways_findings(ctx: _Context, name: str) -> tuple[str | None, InForce, str, str]:
    """The 2023 rule's (or the 2024 limitation's) finding for the unit.

    Returns ``(outcome, entry, text, text_es)`` where outcome is ``None`` (not in force or not
    covered), ``"exception"`` or ``"presumption"``.
    """
    entry = ctx.get(name)
    rule = cast(AsylumLimitation | None, entry.value)
    if rule is None:
        return None, entry, "", ""
    enc = ctx.encounter
    cbp_one = cast(CbpOne | None, ctx.get("cbp_one/appointments").value)
    if ctx.nationalities and all(n in rule.not_transiting_nationalities for n in ctx.nationalities):
        return (
            None,
            entry,
            "Did not travel through a third country: not covered.",
            ("No viajó por un tercer país: no le aplica."),
        )
    if ctx.unit.demographic == "unaccompanied_child" and rule.unaccompanied_children_excepted:
        return (
            "exception",
            entry,
            "Unaccompanied children are excepted.",
            ("Los niños no acompañados están exceptuados."),
        )
    if (
        rule.cbp_one_appointment_excepts
        and enc.cbp_one_appointment
        and cbp_one is not None
        and ctx.at_port(cbp_one.ports_of_entry)
    ):
        return (
            "exception",
            entry,
            "Presented at a port at a time scheduled through CBP One.",
            ("Se presentó en un puerto a la hora programada en CBP One."),
        )
    trafficking = [p for p in ctx.people if "trafficking_victim" in p.vulnerabilities]
    if name == "asylum/securing_the_border" and trafficking:
        return (
            "exception",
            entry,
            "A victim of a severe form of trafficking is excepted.",
            ("Una víctima de una forma grave de trata está exceptuada."),
        )
    if name == "asylum/lawful_pathways":
        if enc.used_lawful_process:
            return (
                "exception",
                entry,
                "Used a DHS-approved lawful process.",
                ("Usó un proceso legal aprobado por el DHS."),
            )
        if enc.cbp_one_unavailable_shown and ctx.place.kind == "port_of_entry":
            return (
                "exception",
                entry,
                "Showed that CBP One could not be used (language, illiteracy, technical failure"
                " or another serious obstacle).",
                "Demostró que no podía usar CBP One (idioma, analfabetismo, falla técnica u otro"
                " obstáculo grave).",
            )
        if enc.asylum_denied_in_transit_country:
            return (
                "exception",
                entry,
                "Applied for asylum in a transit country and was denied.",
                ("Solicitó asilo en un país de tránsito y le fue denegado."),
            )
    grounds = sorted(
        {v for p in ctx.travelling_family() for v in p.vulnerabilities} & set(rule.rebuttal_grounds)
    )
    if grounds:
        return (
            "exception",
            entry,
            (
                f"Exceptionally compelling circumstances ({', '.join(grounds)}) of the person or a"
                " family member travelling with them."
            ),
            (
                f"Circunstancias excepcionalmente apremiantes ({', '.join(grounds)}) de la"
                " persona o de un familiar que viaja con ella."
            ),
        )
    return "presumption", entry, "", ""


def _limitation(ctx: _Context, draft: _Draft, name: str, flag: str) -> None:
    finding, entry, en, es = lawful_pathways_findings(ctx, name)
    if entry.value is None:
        return
    lawful = name == "asylum/lawful_pathways"
    title = "Circumvention of Lawful Pathways rule" if lawful else "Securing the Border limitation"
    title_es = (
        "regla de Elusión de Vías Legales" if lawful else "limitación de Asegurar la Frontera"
    )
    if finding is None:
        draft.reasons.append(reason(entry, f"{title}: {en}", f"{title_es}: {es}"))
    elif finding == "exception":
        draft.flag(f"{flag}_exception")
        draft.reasons.append(
            reason(
                entry,
                f"{title} does not bar asylum: {en}",
                f"La {title_es} no impide el asilo: {es}",
            )
        )
    else:
        draft.flag(f"{flag}_presumption" if lawful else flag)
        draft.reasons.append(
            reason(
                entry,
                f"{title}: no exception applies: "
                + (
                    "crossed without authorization after travelling through another country, so"
                    " presumed ineligible for asylum."
                    if lawful
                    else "crossed the southern border without authorization during the emergency"
                    " border circumstances, so ineligible for asylum absent exceptionally"
                    " compelling circumstances."
                ),
                f"{title_es}: no aplica ninguna excepción: "
                + (
                    "cruzó sin autorización tras pasar por otro país, por lo que se presume"
                    " inelegible para asilo."
                    if lawful
                    else "cruzó la frontera sur sin autorización durante las circunstancias de"
                    " emergencia, por lo que es inelegible para asilo salvo circunstancias"
                    " excepcionalmente apremiantes."
                ),
            )
        )
    rule = cast(AsylumLimitation, entry.value)
    if (
        rule.fear_must_be_manifested
        and finding is not None
        and ctx.unit.demographic != "unaccompanied_child"
    ):
        _manifestation(ctx, draft, entry)


def _manifestation(ctx: _Context, draft: _Draft, entry: InForce) -> None:
    if ctx.encounter.manifests_fear:
        draft.flag("credible_fear_referral")
        draft.reasons.append(
            reason(
                entry,
                "Manifested or expressed fear: referred for a credible-fear screening (at the"
                " higher standard).",
                "Manifestó o expresó temor: se remite a una entrevista de temor creíble (con el"
                " estándar más alto).",
            )
        )
    else:
        draft.flag("no_fear_manifested")
        draft.reasons.append(
            reason(
                entry,
                "No fear manifested or expressed: no credible-fear referral (officers do not ask);"
                " expedited removal may follow.",
                "No manifestó ni expresó temor: no hay remisión a entrevista de temor creíble (los"
                " agentes no preguntan); puede seguir la expulsión expedita.",
            )
        )


def _chnv_parole(ctx: _Context, draft: _Draft) -> None:
    if ctx.unit.demographic == "unaccompanied_child":
        return
    parole = ctx.get("parole/chnv")
    rule = cast(ChnvParole | None, parole.value)
    nationality = ctx.principal_nationality
    if (
        rule is not None
        and nationality in rule.irregular_entry_after
        and ctx.place.kind == "between_ports"
    ):
        draft.flag("chnv_parole_ineligible")
        draft.reasons.append(
            reason(
                parole,
                f"Entered irregularly between ports after"
                f" {rule.irregular_entry_after[nationality]}: no longer eligible for the"
                f" {nationality} parole process.",
                f"Entró irregularmente entre puertos después del"
                f" {rule.irregular_entry_after[nationality]}: ya no es elegible para el proceso de"
                f" permiso humanitario ({nationality}).",
            )
        )


def _title8_returns(ctx: _Context, draft: _Draft) -> None:
    if ctx.unit.demographic == "unaccompanied_child":
        return
    nationality = ctx.principal_nationality
    returns = ctx.get("title8/mexico_returns")
    rule_r = cast(Title8ReturnsToMexico | None, returns.value)
    if rule_r is not None and all(n in rule_r.nationalities for n in ctx.nationalities):
        draft.flag("mexico_accepts_title8_return")
        _source_uncertain(draft, returns)
        draft.reasons.append(
            reason(
                returns,
                f"If ordered removed, Mexico accepts Title 8 returns of {nationality} nationals"
                f" (up to {rule_r.monthly_limit:,} a month); removal carries a 5-year bar.",
                f"Si se ordena su remoción, México acepta devoluciones bajo el Título 8 de"
                f" nacionales de {nationality} (hasta {rule_r.monthly_limit:,} al mes); la remoción"
                " conlleva un impedimento de 5 años.",
                fact="OTH-07",
            )
        )


# --- the decision -------------------------------------------------------------------------


def _demographic_reason(ctx: _Context) -> Reason:
    entry = ctx.get("cbp/demographics")
    en, es = ctx.unit.why
    fact = {
        "single_adult": "ST-02",
        "family_unit": "ST-03",
        "accompanied_minor": "ST-04",
        "unaccompanied_child": "ST-05",
    }[ctx.unit.demographic]
    return reason(
        entry,
        f"Demographic {ctx.unit.demographic}: {en}.",
        f"Categoría {ctx.unit.demographic}: {es}.",
        fact=fact,
    )


def decide_unit(
    encounter: Encounter, place: Place, state: CatalogueState, catalogue: Catalogue, unit: Unit
) -> Outcome:
    ctx = _Context.of(encounter, place, state, catalogue, unit)
    draft = _Draft(demographic=unit.demographic)
    standard = cast(CustodyStandard | None, ctx.get("cbp/custody_standard").value)
    draft.custody_standard_hours = None if standard is None else standard.hours
    draft.reasons.append(_demographic_reason(ctx))
    if not _title42(ctx, draft):
        procedure = _proclamation(ctx, draft)
        if procedure != "summary_repatriation":
            _title8(ctx, draft, screening_only=procedure == "protection_screening_only")
    _chnv_parole(ctx, draft)
    return draft.outcome()


def _moment_reasons(state: CatalogueState) -> tuple[list[str], list[Reason]]:
    flags: list[str] = []
    reasons: list[Reason] = []
    if state.time_assumed:
        first = next(
            (e for e in state.time_assumed if e.name == "title42/order"), state.time_assumed[0]
        )
        names = ", ".join(sorted({e.name for e in state.time_assumed}))
        assert first.period is not None and first.period.at is not None
        flags.append("time_assumed")
        reasons.append(
            reason(
                first,
                f"No time was given and {names} changed at {first.period.at:%H:%M} ET on this"
                " date: decided as at 12:00 ET; give the time to be sure.",
                f"No se indicó la hora y {names} cambió a las {first.period.at:%H:%M} (hora del"
                " Este) en esta fecha: se decide como a las 12:00; indique la hora para estar"
                " seguro.",
            )
        )
    for entry in state.uncertain:
        assert entry.period is not None
        if "date_uncertain" not in flags:
            flags.append("date_uncertain")
        reasons.append(
            reason(
                entry,
                f"Uncertain date: {entry.period.uncertain}",
                "Fecha incierta: las fuentes no fijan con precisión la fecha de este cambio"
                f" ({entry.name}); vea la cita.",
            )
        )
    return flags, reasons


def decide_in_state(
    encounter: Encounter, catalogue: Catalogue, state: CatalogueState, scenario: str | None
) -> Decision:
    """Decide an encounter given the catalogue state at its moment (see :func:`decide`)."""
    place = encounter.place_of_encounter()
    units = form_units(encounter, place)
    outcomes = [decide_unit(encounter, place, state, catalogue, unit) for unit in units]
    flags, general = _moment_reasons(state)
    if state.after_verified:
        flags.append("after_verified_coverage")
    head = outcomes[0]
    members: list[MemberOutcome] = []
    if len(units) > 1:
        flags.append("group_split")
        general.append(_split_reason(state, units))
        members = [
            MemberOutcome(**outcome.model_dump(), person=person, unit=number)
            for number, (unit, outcome) in enumerate(zip(units, outcomes, strict=True))
            for person in unit.members
        ]
        members.sort(key=lambda m: m.person)
    return Decision(
        authority=head.authority,
        pathway=head.pathway,
        destination=head.destination,
        demographic=head.demographic,
        custody_limit_hours=head.custody_limit_hours,
        custody_standard_hours=head.custody_standard_hours,
        flags=tuple(dict.fromkeys([*flags, *head.flags])),
        options=head.options,
        reasons=(*general, *head.reasons),
        members=tuple(members),
        catalogue_version=catalogue.version,
        scenario=scenario,
        catalogue_verified_through=state.verified_through,
    )


def _split_reason(state: CatalogueState, units: list[Unit]) -> Reason:
    parts = "; ".join(f"people {list(u.members)}: {u.demographic}" for u in units)
    entry = state.get("cbp/demographics")
    return reason(
        entry,
        f"The group is not one family unit in law, so each person has their own outcome in"
        f" 'members' ({parts}); the top-level outcome is that of people[{units[0].members[0]}].",
        f"El grupo no es una sola unidad familiar ante la ley, así que cada persona tiene su"
        f" propio resultado en 'members' ({parts}); el resultado principal es el de"
        f" people[{units[0].members[0]}].",
        fact="ST-05",
    )


def decide(
    encounter: Encounter, *, catalogue: Catalogue, scenario: Scenario | None = None
) -> Decision:
    """What happens at this encounter under the catalogue (changed by ``scenario``, if given).

    Pure and deterministic: the same encounter and catalogue always give the same decision.
    A date after the catalogue's ``verified_through`` is decided by the rules last in force and
    flagged ``after_verified_coverage``; a date after tomorrow (U.S. Eastern) is refused unless
    a scenario is given.
    """
    effective = catalogue if scenario is None else scenario.apply(catalogue)
    coverage = effective.coverage_error(encounter.date, future=scenario is not None)
    if coverage is not None:
        raise EncounterInputError([("date", coverage)])
    state = effective.state_at(encounter.date, encounter.time)
    return decide_in_state(encounter, effective, state, None if scenario is None else scenario.name)
