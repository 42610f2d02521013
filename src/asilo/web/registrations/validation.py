"""One validation for every channel: the form, the API and each family of a partner's CSV.

:func:`clean_registration` takes a plain mapping (the API's JSON, or what the form and the CSV
reader build) and returns a :class:`RegistrationInput`, or raises
:class:`RegistrationInputError` listing every problem with its field
(``members[1].date_of_birth``, ``phone``...).
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from asilo.policy.countries import ISO3
from asilo.policy.encounter import MAX_PEOPLE
from asilo.policy.schema import VULNERABILITIES as POLICY_VULNERABILITIES
from asilo.web.core.a_numbers import normalise_a_number
from asilo.web.core.relationships import RelationshipToPrincipal
from asilo.web.registrations.errors import RegistrationError, RegistrationInputError
from asilo.web.registrations.errors import RegistrationErrorCode as C
from asilo.web.registrations.models import (
    EligibilityRule,
    MppCaseStatus,
    Program,
    Sex,
)

MAX_MEMBERS = MAX_PEOPLE
NAME_LIMIT = 100
PLACE_LIMIT = 200
#: Urgent medical need puts a family in tier 0; any other vulnerability in tier 1.
URGENT = "medical_emergency"
VULNERABILITIES: tuple[str, ...] = (*POLICY_VULNERABILITIES, "violence_in_mexico")

#: Cities where people wait (the form's list); ``other`` for anywhere else.
WAITING_CITIES: tuple[str, ...] = (
    "Tijuana",
    "Mexicali",
    "San Luis Río Colorado",
    "Nogales",
    "Ciudad Juárez",
    "Ojinaga",
    "Piedras Negras",
    "Ciudad Acuña",
    "Nuevo Laredo",
    "Reynosa",
    "Matamoros",
    "Monterrey",
    "Hermosillo",
    "Chihuahua",
    "Ciudad de México",
    "Tapachula",
    "other",
)

#: The fields of one family member, as every channel hands them to :func:`clean_registration`
#: (the form's member blocks, a CSV row's member columns, a member added later).
MEMBER_FIELDS: tuple[str, ...] = (
    "given_names",
    "surnames",
    "date_of_birth",
    "age",
    "sex",
    "nationality",
    "relationship",
)
#: The family's own fields (contact, where it waits, ports, languages, needs, MPP case): the
#: form's family-level fields and the CSV columns only a family's principal row carries.
FAMILY_FIELDS: tuple[str, ...] = (
    "phone",
    "whatsapp",
    "email",
    "waiting_city",
    "waiting_place",
    "preferred_ports",
    "languages",
    "vulnerabilities",
    "language",
    "a_number",
    "mpp_enrolled_on",
    "mpp_case_status",
)

_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_PHONE_JUNK = re.compile(r"[\s().\-/]")
_NAME_PUNCTUATION = frozenset(" -'’.")


@dataclass(frozen=True)
class MemberInput:
    given_names: str
    surnames: str
    date_of_birth: date | None
    age: int | None
    sex: str
    nationality: str
    relationship: str

    def age_on(self, on: date) -> int:
        if self.date_of_birth is not None:
            born = self.date_of_birth
            return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
        assert self.age is not None, "validation requires a date of birth or an age"
        return self.age


@dataclass(frozen=True)
class RegistrationInput:
    client_request_id: uuid.UUID
    members: tuple[MemberInput, ...]
    phone: str | None = None
    email: str | None = None
    whatsapp: str | None = None
    waiting_city: str = "other"
    waiting_place: str | None = None
    preferred_ports: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    vulnerabilities: tuple[str, ...] = ()
    language: str = "es"
    a_number: str | None = None
    mpp_enrolled_on: date | None = None
    mpp_case_status: str = ""

    @property
    def tier(self) -> int:
        return tier_of(self.vulnerabilities)


def tier_of(vulnerabilities: Sequence[str]) -> int:
    """0 for urgent medical need, 1 for any other vulnerability, 2 otherwise."""
    if URGENT in vulnerabilities:
        return 0
    return 1 if vulnerabilities else 2


class _Collector:
    def __init__(self) -> None:
        self.errors: list[RegistrationError] = []

    def add(self, code: C, field_name: str, **params: Any) -> None:
        self.errors.append(RegistrationError(code, field_name, **params))


def _text(value: Any) -> str:
    if value is None:
        return ""
    return " ".join(str(value).split())


def _list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(";") if v.strip()]
    if isinstance(value, Sequence):
        return [_text(v) for v in value if _text(v)]
    return [_text(value)]


def normalise_phone(raw: str) -> str | None:
    """``+52 (664) 123-4567`` → ``+526641234567``; None when it is not 8–15 digits."""
    compact = _PHONE_JUNK.sub("", raw)
    plus = compact.startswith("+")
    digits = compact[1:] if plus else compact
    if not digits.isdigit() or not 8 <= len(digits) <= 15:
        return None
    return ("+" if plus else "") + digits


def _name_ok(name: str) -> bool:
    for char in name:
        if char in _NAME_PUNCTUATION:
            continue
        if unicodedata.category(char)[0] not in ("L", "M"):
            return False
    return True


def _date(value: Any) -> date | str | None:
    """A date, None when empty, or the string "bad"."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    text = _text(value)
    if len(text) != 10:
        return "bad"
    try:
        parsed = date.fromisoformat(text)
    except ValueError:
        return "bad"
    return parsed if parsed.year >= 1900 else "bad"


def _clean_name(out: _Collector, value: Any, where: str) -> str:
    name = _text(value)
    if not name:
        out.add(C.NAME_REQUIRED, where)
    elif len(name) > NAME_LIMIT:
        out.add(C.NAME_TOO_LONG, where, limit=NAME_LIMIT)
    elif not _name_ok(name):
        out.add(C.NAME_INVALID, where)
    return name


def _clean_member(out: _Collector, raw: Any, index: int, on: date) -> MemberInput | None:
    where = f"members[{index}]"
    if not isinstance(raw, Mapping):
        out.add(C.NAME_REQUIRED, where)
        return None
    before = len(out.errors)
    given = _clean_name(out, raw.get("given_names"), f"{where}.given_names")
    surnames = _clean_name(out, raw.get("surnames"), f"{where}.surnames")
    dob = _date(raw.get("date_of_birth"))
    if dob == "bad":
        out.add(C.DATE_OF_BIRTH_INVALID, f"{where}.date_of_birth")
    elif isinstance(dob, date) and dob > on:
        out.add(C.DATE_OF_BIRTH_IN_FUTURE, f"{where}.date_of_birth")
    age: int | None = None
    raw_age = _text(raw.get("age"))
    if raw_age:
        if raw_age.isdigit() and int(raw_age) <= 120:
            age = int(raw_age)
        else:
            out.add(C.AGE_INVALID, f"{where}.age")
    elif dob is None:
        out.add(C.AGE_REQUIRED, f"{where}.date_of_birth")
    sex = _text(raw.get("sex")).lower()
    if sex not in Sex.values:
        out.add(C.SEX_INVALID, f"{where}.sex")
    nationality = _text(raw.get("nationality")).upper()
    if nationality not in ISO3:
        out.add(C.NATIONALITY_INVALID, f"{where}.nationality")
    relationship = _text(raw.get("relationship")).lower() or (
        RelationshipToPrincipal.PRINCIPAL if index == 0 else ""
    )
    if relationship not in RelationshipToPrincipal.values:
        out.add(C.RELATIONSHIP_INVALID, f"{where}.relationship")
    elif index == 0 and relationship != RelationshipToPrincipal.PRINCIPAL:
        out.add(C.PRINCIPAL_FIRST, f"{where}.relationship")
    elif index > 0 and relationship == RelationshipToPrincipal.PRINCIPAL:
        out.add(C.PRINCIPAL_TWICE, f"{where}.relationship")
    if len(out.errors) > before:
        return None
    return MemberInput(
        given_names=given,
        surnames=surnames,
        date_of_birth=dob if isinstance(dob, date) else None,
        age=age,
        sex=sex,
        nationality=nationality,
        relationship=relationship,
    )


def _clean_contact(
    out: _Collector, data: Mapping[str, Any], *, contact_required: bool
) -> dict[str, str | None]:
    contact: dict[str, str | None] = {"phone": None, "whatsapp": None, "email": None}
    for name in ("phone", "whatsapp"):
        raw = _text(data.get(name))
        if raw:
            contact[name] = normalise_phone(raw)
            if contact[name] is None:
                out.add(C.PHONE_INVALID, name)
    raw_email = _text(data.get("email"))
    if raw_email:
        try:
            validate_email(raw_email)
            contact["email"] = raw_email.lower()
        except ValidationError:
            out.add(C.EMAIL_INVALID, "email")
    given = any(_text(data.get(n)) for n in contact)
    if contact_required and not given:
        out.add(C.CONTACT_REQUIRED, "phone")
    return contact


def _clean_ports(out: _Collector, data: Mapping[str, Any], program: Program) -> tuple[str, ...]:
    ports = _list(data.get("preferred_ports"))
    known = {p.casefold(): p for p in program.ports}
    cleaned: list[str] = []
    for index, port in enumerate(ports):
        canonical = known.get(port.casefold())
        if canonical is None:
            out.add(C.PORT_INVALID, f"preferred_ports[{index}]")
        elif canonical in cleaned:
            out.add(C.PORT_REPEATED, f"preferred_ports[{index}]")
        else:
            cleaned.append(canonical)
    return tuple(cleaned)


def _clean_codes(
    out: _Collector, data: Mapping[str, Any], name: str, allowed: Any, code: C
) -> tuple[str, ...]:
    cleaned: list[str] = []
    for index, value in enumerate(_list(data.get(name))):
        value = value.lower()
        ok = allowed(value) if callable(allowed) else value in allowed
        if not ok:
            out.add(code, f"{name}[{index}]")
        elif value not in cleaned:
            cleaned.append(value)
    return tuple(cleaned)


def _clean_mpp(
    out: _Collector, data: Mapping[str, Any], program: Program, on: date
) -> tuple[str | None, date | None, str]:
    raw_a = _text(data.get("a_number"))
    raw_status = _text(data.get("mpp_case_status")).lower()
    enrolled = _date(data.get("mpp_enrolled_on"))
    if program.rule != EligibilityRule.MPP_WIND_DOWN:
        if raw_a or raw_status or enrolled is not None:
            out.add(C.MPP_FIELDS_NOT_IN_PROGRAM, "a_number")
        return None, None, ""
    a_number = normalise_a_number(raw_a) if raw_a else None
    if raw_a and a_number is None:
        out.add(C.A_NUMBER_INVALID, "a_number")
    if raw_status and raw_status not in MppCaseStatus.values:
        out.add(C.MPP_STATUS_INVALID, "mpp_case_status")
    elif raw_a and not raw_status:
        out.add(C.MPP_STATUS_REQUIRED, "mpp_case_status")
    elif raw_status and not raw_a:
        out.add(C.A_NUMBER_INVALID, "a_number")
    if enrolled == "bad" or (isinstance(enrolled, date) and enrolled > on):
        out.add(C.MPP_ENROLLED_ON_INVALID, "mpp_enrolled_on")
    return a_number, enrolled if isinstance(enrolled, date) else None, raw_status


def parse_client_request_id(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(_text(value))
    except ValueError:
        return None


def clean_registration(
    data: Mapping[str, Any], *, program: Program, on: date, contact_required: bool = True
) -> RegistrationInput:
    """Validate one family's registration for ``program`` as of ``on``."""
    out = _Collector()
    request_id = parse_client_request_id(data.get("client_request_id"))
    if request_id is None:
        out.add(C.CLIENT_REQUEST_ID_INVALID, "client_request_id")
    raw_members = data.get("members")
    if not isinstance(raw_members, Sequence) or isinstance(raw_members, str) or not raw_members:
        out.add(C.MEMBERS_EMPTY, "members")
        raw_members = []
    elif len(raw_members) > MAX_MEMBERS:
        out.add(C.MEMBERS_TOO_MANY, "members", limit=MAX_MEMBERS)
        raw_members = []
    members = [_clean_member(out, raw, i, on) for i, raw in enumerate(raw_members)]
    contact = _clean_contact(out, data, contact_required=contact_required)
    city = _text(data.get("waiting_city"))
    cities = {c.casefold(): c for c in WAITING_CITIES}
    if city.casefold() not in cities:
        out.add(C.CITY_INVALID, "waiting_city")
    place = _text(data.get("waiting_place")) or None
    if place is not None and len(place) > PLACE_LIMIT:
        out.add(C.PLACE_TOO_LONG, "waiting_place", limit=PLACE_LIMIT)
    ports = _clean_ports(out, data, program)
    languages = _clean_codes(out, data, "languages", _LANGUAGE.match, C.LANGUAGE_INVALID)
    vulnerabilities = _clean_codes(
        out, data, "vulnerabilities", VULNERABILITIES, C.VULNERABILITY_INVALID
    )
    notice_language = _text(data.get("language")).lower() or "es"
    if notice_language not in {code for code, _ in settings.LANGUAGES}:
        out.add(C.LANGUAGE_INVALID, "language")
    a_number, enrolled_on, case_status = _clean_mpp(out, data, program, on)
    if out.errors:
        raise RegistrationInputError(out.errors)
    assert request_id is not None
    return RegistrationInput(
        client_request_id=request_id,
        members=tuple(m for m in members if m is not None),
        phone=contact["phone"],
        email=contact["email"],
        whatsapp=contact["whatsapp"],
        waiting_city=cities[city.casefold()],
        waiting_place=place,
        preferred_ports=ports,
        languages=languages,
        vulnerabilities=vulnerabilities,
        language=notice_language,
        a_number=a_number,
        mpp_enrolled_on=enrolled_on,
        mpp_case_status=case_status,
    )


def clean_member(raw: Mapping[str, Any], *, index: int, on: date) -> MemberInput:
    """One member (a newborn, a relative who arrived, or a corrected record) with the same
    rules as a whole registration; every problem at once (:class:`RegistrationInputError`)."""
    out = _Collector()
    member = _clean_member(out, raw, index, on)
    if out.errors or member is None:
        raise RegistrationInputError(out.errors or [RegistrationError(C.NAME_REQUIRED, "members")])
    return member
