"""The catalogue's schema: one YAML document per policy or parameter, every dated value cited.

Modelled on OpenFisca parameters and stricter: each value is a period (``from``, optional ``at``
clock time in U.S. Eastern, optional inclusive ``to`` with optional ``until`` clock time) that
carries its citations (title, URL, section, fact ID), ``published_on`` and ``last_verified_on``.
Periods are in date order and never overlap. A ``null`` value means "not in force". Dates must be
ISO ``YYYY-MM-DD`` strings and clock times ``HH:MM``; the loader keeps YAML from guessing them.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from asilo.policy.countries import ISO3
from asilo.policy.places import place_names

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_FACT_ID = re.compile(r"^[A-Z0-9]+(-[A-Z0-9]+)+[a-z]?$")

Vulnerability = Literal[
    "medical_emergency",
    "physical_health",
    "mental_health",
    "pregnancy",
    "advanced_age",
    "disability",
    "lgbtqi",
    "imminent_threat",
    "trafficking_victim",
]
VULNERABILITIES: tuple[str, ...] = Vulnerability.__args__  # type: ignore[attr-defined]
MppStatus = Literal["active", "terminated", "removal_order_in_absentia"]
PlaceKind = Literal["between_ports", "port_of_entry"]
Practice = Literal["pathway", "option"]


def parse_iso_date(value: object) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError(f"{value!r} is not an ISO date (YYYY-MM-DD)")
    return date.fromisoformat(value)


def parse_clock(value: object) -> time:
    if isinstance(value, time):
        return value
    if not isinstance(value, str) or not _CLOCK.match(value):
        raise ValueError(f"{value!r} is not a clock time (HH:MM, U.S. Eastern)")
    return time.fromisoformat(value)


def _nationality(code: str) -> str:
    if code not in ISO3:
        raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-3 code")
    return code


def _sector(name: str) -> str:
    if name not in place_names("between_ports"):
        raise ValueError(f"{name!r} is not a southwest Border Patrol sector")
    return name


def _port(name: str) -> str:
    if name not in place_names("port_of_entry"):
        raise ValueError(f"{name!r} is not a southwest land port of entry")
    return name


Nationality = Annotated[str, AfterValidator(_nationality)]
SectorName = Annotated[str, AfterValidator(_sector)]
PortName = Annotated[str, AfterValidator(_port)]


class Documentation:
    """Marks a value-model field that records the source for people and that no rule reads
    (``Annotated[str, DOC]``). Every other field must be read by some rule: the schema check
    refuses a catalogue whose models have a field that is neither read nor documentation."""

    def __repr__(self) -> str:
        return "DOC"


DOC = Documentation()


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


SourceKind = Literal["primary", "secondary", "weak"]
SOURCE_KINDS: tuple[str, ...] = SourceKind.__args__  # type: ignore[attr-defined]
_KIND_RANK = {"primary": 0, "secondary": 1, "weak": 2}

_FR_CITATION = re.compile(r"^([1-9]\d{0,2}) FR ([1-9]\d{0,5})$")
_GOVINFO_FR_LINK = re.compile(r"^https://www\.govinfo\.gov/link/fr/(\d+)/(\d+)(\?.*)?$")
FEDERAL_REGISTER_HOSTS = ("govinfo.gov", "federalregister.gov")
# The government's own addresses: the restricted U.S. government top-level domains (every
# agency, the White House, Congress and the federal courts, e.g. uscourts.gov, supremecourt.gov).
GOVERNMENT_SUFFIXES = (".gov", ".mil")


def url_host(url: str) -> str:
    """The host of a URL, lower case, without ``www.`` or a port."""
    host = urlsplit(url).hostname or ""
    return host.lower().removeprefix("www.")


def is_government_address(url: str) -> bool:
    """True if the URL is on a U.S. government domain (.gov, .mil)."""
    host = url_host(url)
    return urlsplit(url).scheme in ("http", "https") and host.endswith(GOVERNMENT_SUFFIXES)


def govinfo_fr_link(fr_citation: str) -> str:
    """The govinfo link service address of a Federal Register citation such as ``85 FR 17060``."""
    match = _FR_CITATION.match(fr_citation)
    if match is None:
        raise ValueError(f"{fr_citation!r} is not a Federal Register citation such as 85 FR 17060")
    return f"https://www.govinfo.gov/link/fr/{match.group(1)}/{match.group(2)}"


def strongest_kind(kinds: list[str]) -> str:
    """The strongest of some source kinds (primary before secondary before weak)."""
    return min(kinds, key=_KIND_RANK.__getitem__)


def _primary_needs_government_address(kind: str, url: str) -> None:
    if kind == "primary" and not is_government_address(url):
        raise ValueError(
            f"a primary source needs the government's own address (a .gov or .mil site);"
            f" {url_host(url) or url!r} is not one: mark a copy 'secondary' (or 'weak') and cite"
            " the government's address as the primary"
        )


class Reference(Strict):
    """A further address for the cited source: a copy (mirror) of it, or a report about it."""

    url: str = Field(pattern=r"^https?://\S+$")
    kind: SourceKind
    title: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _checked(self) -> Reference:
        _primary_needs_government_address(self.kind, self.url)
        return self


class Citation(Strict):
    """Where a value comes from: the instrument's title, its URL, the section, the fact ID.

    ``kind`` says how strong the source at ``url`` is: ``primary`` (the government's own text at
    its own address), ``secondary`` (an established outlet's report, or a copy of a primary text
    on someone else's site) or ``weak`` (an aggregator or blog). A Federal Register document is
    cited by ``fr_citation`` ("85 FR 17060") at govinfo's link service or federalregister.gov;
    copies of it (vLex, Justia, eLaws, Scribd...) are kept in ``references``.
    """

    title: str = Field(min_length=3)
    url: str = Field(pattern=r"^https?://\S+$")
    section: str = Field(min_length=1)
    fact: str
    kind: SourceKind
    fr_citation: str | None = None
    references: list[Reference] = []

    @field_validator("fact")
    @classmethod
    def _fact_id(cls, value: str) -> str:
        if not _FACT_ID.match(value):
            raise ValueError(f"{value!r} is not a fact ID such as T42-12")
        return value

    @field_validator("fr_citation")
    @classmethod
    def _fr(cls, value: str | None) -> str | None:
        if value is not None and not _FR_CITATION.match(value):
            raise ValueError(
                f"{value!r} is not a Federal Register citation such as 85 FR 17060"
                " (volume, 'FR', first page)"
            )
        return value

    @model_validator(mode="after")
    def _checked(self) -> Citation:
        _primary_needs_government_address(self.kind, self.url)
        link = _GOVINFO_FR_LINK.match(self.url)
        if link is not None:
            cited = f"{int(link.group(1))} FR {int(link.group(2))}"
            if self.fr_citation is None:
                raise ValueError(f"a govinfo Federal Register link needs fr_citation: {cited!r}")
            if cited != self.fr_citation:
                raise ValueError(
                    f"fr_citation {self.fr_citation!r} does not match the govinfo link"
                    f" ({cited}): volume and first page must agree"
                )
        if self.fr_citation is not None:
            if not url_host(self.url).endswith(FEDERAL_REGISTER_HOSTS):
                raise ValueError(
                    f"fr_citation {self.fr_citation!r} needs the government's address for it:"
                    f" {govinfo_fr_link(self.fr_citation)} (or federalregister.gov), not"
                    f" {url_host(self.url)!r}; keep copies in 'references'"
                )
            if self.kind != "primary":
                raise ValueError("a Federal Register document at its government address is primary")
        return self


class ScenarioCitation(Citation):
    """A scenario change's citation: a hypothesis, so ``weak`` unless its author says otherwise."""

    kind: SourceKind = "weak"


# --- value models, one per policy or parameter -------------------------------------------


class Title42Order(Strict):
    """A Title 42 order. ``scope`` says whom it reaches: everyone met at the southern border
    without documents (2020-2023), or people recently present in listed countries (2026)."""

    instrument: str
    scope: Literal["southern_border", "recent_presence"] = "southern_border"
    countries: list[Nationality] | None = None
    within_days: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _presence_needs_countries(self) -> Title42Order:
        travel = self.countries is not None and self.within_days is not None
        if (self.scope == "recent_presence") != travel:
            raise ValueError(
                "an order of scope recent_presence (and only such an order) names its countries"
                " and within_days"
            )
        return self


class UnaccompaniedChildrenUnderTitle42(Strict):
    excepted: bool
    basis: str


class AcceptedGroup(Strict):
    nationalities: list[Nationality] = Field(min_length=1)
    kinds: list[PlaceKind] = ["between_ports", "port_of_entry"]
    sectors: list[SectorName] | None = None
    practice_default: Practice = "pathway"
    limit: str | None = None


class MexicoAcceptance(Strict):
    groups: list[AcceptedGroup] = Field(min_length=1)


class TamaulipasPractice(Strict):
    nationalities: list[Nationality] = Field(min_length=1)
    youngest_child_under: int = Field(ge=1, le=18)
    between_ports: list[SectorName]
    ports_of_entry: list[PortName]


class Title42Exceptions(Strict):
    supervisor_approval: bool
    referral_processes: list[str]


class MppProgramme(Strict):
    programme: Literal["MPP 1.0", "MPP 2.0"]
    nationalities: list[Nationality] = Field(min_length=1)
    sectors: list[SectorName] = Field(min_length=1)
    return_ports: list[PortName] = Field(min_length=1)
    excluded_vulnerabilities: list[Vulnerability]
    practice_default: Practice
    title42_precedence: bool


class MppResumption(Strict):
    """MPP ordered and announced again (2025), but with no return sourced and no consent from
    Mexico: the engine offers no ``mpp_return`` and says so."""

    status: Literal["announced_not_operational"]
    instrument: str


class EntryProclamation(Strict):
    """A proclamation under INA 212(f)/215(a) suspending entry at the southern border.

    ``procedure`` is what the people it reaches get: ``summary_repatriation`` (no asylum
    application or fear screening) or ``protection_screening_only`` (Title 8 removal, asylum
    barred, withholding and CAT screening given).
    """

    instrument: str
    kinds: list[PlaceKind] = Field(min_length=1)
    procedure: Literal["summary_repatriation", "protection_screening_only"]
    unaccompanied_children_covered: bool
    litigation_status_uncertain: bool


class MppWindDown(Strict):
    eligible_statuses: list[MppStatus] = Field(min_length=1)
    ports_of_entry: list[PortName] = Field(min_length=1)


class AsylumCooperativeAgreement(Strict):
    receiving_country: Nationality
    nationalities: list[Nationality] = Field(min_length=1)
    sectors: list[SectorName] = Field(min_length=1)
    adults_only: bool
    practice_default: Practice


class TransferAgreement(Strict):
    """A 2025 agreement under INA 208(a)(2)(A): people may be sent to the receiving country to
    seek protection there (never its own nationals)."""

    receiving_country: Nationality
    kinds: list[PlaceKind] = Field(min_length=1)
    adults_only: bool
    practice_default: Practice


class Tvpra(Strict):
    transfer_hours: int = Field(gt=0)
    notify_hours: int = Field(gt=0)
    contiguous_countries: list[Nationality] = Field(min_length=1)


class TransitBar(Strict):
    not_transiting_nationalities: list[Nationality]


class AsylumLimitation(Strict):
    """The 2023 presumption or the 2024 limitation: who is covered, what excepts or rebuts."""

    not_transiting_nationalities: list[Nationality]
    unaccompanied_children_excepted: bool
    cbp_one_appointment_excepts: bool
    rebuttal_grounds: list[Vulnerability] = Field(min_length=1)
    fear_must_be_manifested: bool
    # The limitation's suspension test needs encounter averages the engine does not have.
    suspend_below_daily_average: Annotated[int | None, DOC] = None
    reactivate_at_daily_average: Annotated[int | None, DOC] = None
    suspension_test: Annotated[str | None, DOC] = None


class CbpOne(Strict):
    ports_of_entry: list[PortName] = Field(min_length=1)
    purpose: Literal["title42_exception", "lawful_pathways"]
    daily_appointments: Annotated[int | None, DOC] = None
    allocation: Annotated[str, DOC]


class ChnvParole(Strict):
    irregular_entry_after: dict[Nationality, date] = Field(min_length=1)
    travel_authorizations: Annotated[int, DOC] = Field(gt=0)
    cap: Annotated[str, DOC]

    @field_validator("irregular_entry_after", mode="before")
    @classmethod
    def _dates(cls, value: object) -> object:
        if not isinstance(value, dict):
            raise ValueError("irregular_entry_after maps nationalities to ISO dates")
        return {code: parse_iso_date(day) for code, day in value.items()}


class Title8ReturnsToMexico(Strict):
    nationalities: list[Nationality] = Field(min_length=1)
    monthly_limit: int


class Allocation(Strict):
    group: str
    kind: Literal["region", "category", "priority_group"]
    number: int | None = None
    minimum: int | None = None
    maximum: int | None = None

    @model_validator(mode="after")
    def _number_or_range(self) -> Allocation:
        unnumbered = self.number is None and self.minimum is None and self.maximum is None
        if self.kind == "priority_group" and unnumbered:
            return self
        if (self.number is None) == (self.minimum is None or self.maximum is None):
            raise ValueError(
                "an allocation has either a number or a minimum and maximum (only a"
                " priority_group may have neither)"
            )
        return self


class RefugeeCeiling(Strict):
    fiscal_year: int = Field(ge=1980, le=2100)
    total: int = Field(gt=0)
    determination: str
    allocations: list[Allocation] | None


class RefugeeSuspension(Strict):
    """A suspension of refugee admissions (EO 14163) and what it leaves open."""

    instrument: str
    exceptions: str


class CustodyStandard(Strict):
    """The agency standard on how long anyone may generally be held in CBP custody."""

    standard: Annotated[str, DOC]
    hours: int = Field(gt=0)


class DemographicCategory(Strict):
    code: Literal["single_adult", "family_unit", "unaccompanied_child", "accompanied_minor"]
    cbp_name: str
    definition: Annotated[str, DOC]
    components: list[Literal["USBP", "OFO"]] = Field(min_length=1)


class Demographics(Strict):
    categories: list[DemographicCategory] = Field(min_length=4, max_length=4)


VALUE_TYPES: dict[str, type[Strict]] = {
    "cbp/demographics": Demographics,
    "title42/order": Title42Order,
    "title42/unaccompanied_children": UnaccompaniedChildrenUnderTitle42,
    "title42/mexico_acceptance": MexicoAcceptance,
    "title42/tamaulipas_young_children": TamaulipasPractice,
    "title42/exceptions": Title42Exceptions,
    "mpp/enrolment": MppProgramme,
    "mpp/wind_down": MppWindDown,
    "aca/guatemala": AsylumCooperativeAgreement,
    "tvpra/unaccompanied_children": Tvpra,
    "asylum/third_country_transit_bar": TransitBar,
    "asylum/lawful_pathways": AsylumLimitation,
    "asylum/securing_the_border": AsylumLimitation,
    "cbp_one/appointments": CbpOne,
    "parole/chnv": ChnvParole,
    "title8/mexico_returns": Title8ReturnsToMexico,
    "entry/proclamation_10888": EntryProclamation,
    "mpp/resumption": MppResumption,
    "aca/honduras": TransferAgreement,
    "refugees/admissions_suspension": RefugeeSuspension,
    "cbp/custody_standard": CustodyStandard,
}
REFUGEE_PREFIX = "refugees/ceiling/fy"


def value_type(name: str) -> type[Strict] | None:
    """The value model of a catalogue document, or ``None`` if the name is not known."""
    if name.startswith(REFUGEE_PREFIX):
        return RefugeeCeiling
    return VALUE_TYPES.get(name)


# --- periods and documents ---------------------------------------------------------------


class Period(Strict):
    """One dated value: in force from ``from`` (at ``at``) to ``to`` (until ``until``)."""

    start: date = Field(alias="from")
    at: time | None = None
    to: date | None = None
    until: time | None = None
    value: Any
    citations: list[Citation] = Field(min_length=1)
    published_on: date
    last_verified_on: date
    uncertain: str | None = None
    uncertain_between: tuple[date, date] | None = None
    note: str | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @field_validator("start", "to", "published_on", "last_verified_on", mode="before")
    @classmethod
    def _dates(cls, value: object) -> object:
        return None if value is None else parse_iso_date(value)

    @field_validator("at", "until", mode="before")
    @classmethod
    def _clocks(cls, value: object) -> object:
        return None if value is None else parse_clock(value)

    @field_validator("uncertain_between", mode="before")
    @classmethod
    def _window(cls, value: object) -> object:
        if value is None:
            return None
        if not isinstance(value, list | tuple) or len(value) != 2:
            raise ValueError("uncertain_between is a list of two ISO dates")
        return (parse_iso_date(value[0]), parse_iso_date(value[1]))

    @model_validator(mode="after")
    def _consistent(self) -> Period:
        if self.until is not None and self.to is None:
            raise ValueError("'until' needs 'to'")
        end = self.end_instant()
        if end is not None and end <= self.start_instant():
            raise ValueError("the period ends before it starts")
        if self.last_verified_on < self.published_on:
            raise ValueError("last_verified_on is earlier than published_on")
        if self.uncertain_between is not None and self.uncertain is None:
            raise ValueError("uncertain_between needs an 'uncertain' note saying why")
        return self

    def basis(self) -> str:
        """The strongest kind of source this value rests on (primary, secondary, weak)."""
        return strongest_kind([c.kind for c in self.citations])

    def start_instant(self) -> datetime:
        return datetime.combine(self.start, self.at or time(0, 0))

    def end_instant(self) -> datetime | None:
        """The first moment the value is no longer in force (``None``: open-ended)."""
        if self.to is None:
            return None
        if self.until is not None:
            return datetime.combine(self.to, self.until)
        return datetime.combine(self.to + timedelta(days=1), time(0, 0))


class PolicyDocument(Strict):
    """One catalogue file: a policy or parameter and its dated values."""

    name: str
    title: str
    title_es: str
    kind: Literal["policy", "parameter"]
    summary: str
    values: list[Period] = Field(min_length=1)

    @model_validator(mode="after")
    def _checked(self) -> PolicyDocument:
        model = value_type(self.name)
        if model is None:
            raise ValueError(f"no rule reads a policy called {self.name!r}")
        for index, period in enumerate(self.values):
            if period.value is not None:
                try:
                    model.model_validate(period.value)
                except ValidationError as exc:
                    raise ValueError(f"values[{index}].value: {exc}") from exc
        _check_order(self.values)
        newest = max(p.start for p in self.values)
        for index, period in enumerate(self.values):
            if period.last_verified_on < newest:
                raise ValueError(
                    f"values[{index}].last_verified_on {period.last_verified_on} is earlier than"
                    f" the newest value ({newest})"
                )
        return self

    def typed_values(self) -> list[Strict | None]:
        model = value_type(self.name)
        assert model is not None
        return [None if p.value is None else model.model_validate(p.value) for p in self.values]


def _check_order(values: list[Period]) -> None:
    for index in range(1, len(values)):
        before, after = values[index - 1], values[index]
        end = before.end_instant()
        if after.start_instant() <= before.start_instant():
            raise ValueError(f"values[{index}] does not start after values[{index - 1}]")
        if end is not None and end > after.start_instant():
            raise ValueError(f"values[{index - 1}] and values[{index}] overlap")


class Manifest(Strict):
    """``catalogue/manifest.yaml``: the dates the catalogue covers and the fact sheets it encodes.

    ``verified_through`` is the last day the fact sheets source. Later days, up to tomorrow, are
    decided by the rules last in force and flagged ``after_verified_coverage``.
    """

    covers_from: date
    verified_through: date
    sources: str

    @field_validator("covers_from", "verified_through", mode="before")
    @classmethod
    def _dates(cls, value: object) -> date:
        return parse_iso_date(value)


def documentation_fields(model: type[Strict]) -> set[str]:
    """The fields of a value model marked as documentation (:data:`DOC`)."""
    return {
        name
        for name, info in model.model_fields.items()
        if any(isinstance(meta, Documentation) for meta in info.metadata)
    }


def value_models() -> list[type[Strict]]:
    """Every value model of the catalogue, nested ones included."""
    found: list[type[Strict]] = []
    pending: list[type[Strict]] = [*VALUE_TYPES.values(), RefugeeCeiling]
    while pending:
        model = pending.pop(0)
        if model in found:
            continue
        found.append(model)
        for info in model.model_fields.values():
            pending.extend(_nested_models(info.annotation))
    return found


def _nested_models(annotation: Any) -> list[type[Strict]]:
    if isinstance(annotation, type) and issubclass(annotation, Strict):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in _nested_models(arg)]


def unread_fields(reads: dict[type[Strict], set[str]]) -> list[str]:
    """``Model.field`` for every value-model field that no rule reads and that is not
    documentation: each one is a catalogue value that could change and decide nothing."""
    return [
        f"{model.__name__}.{name}"
        for model in value_models()
        for name in model.model_fields
        if name not in reads.get(model, set()) and name not in documentation_fields(model)
    ]
