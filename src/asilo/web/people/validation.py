"""Checking a person's identity fields. Each error names the field it concerns."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from asilo.policy.countries import ISO3
from asilo.web.core.a_numbers import normalise_a_number
from asilo.web.people.errors import PeopleError
from asilo.web.people.errors import PeopleErrorCode as C
from asilo.web.people.models import VULNERABILITIES, DocumentKind, Sex

NAME_LIMIT = 100
_NAME_BAD = re.compile(r"[\x00-\x1f\x7f0-9]")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_DOC_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 \-]{0,39}$")
EARLIEST_BIRTH = date(1900, 1, 1)


@dataclass(frozen=True)
class DocumentInput:
    kind: str
    number: str
    issuing_country: str = ""


@dataclass(frozen=True)
class IdentityInput:
    """A person's identity and profile, checked. All identifying fields are optional."""

    nationality: str
    given_names: str = ""
    first_surname: str = ""
    second_surname: str = ""
    date_of_birth: date | None = None
    age: int | None = None
    sex: str = Sex.UNKNOWN
    languages: tuple[str, ...] = ()
    documents: tuple[DocumentInput, ...] = ()
    a_number: str | None = None
    vulnerabilities: tuple[str, ...] = field(default=())


def _f(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def clean_name(value: Any, field_name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PeopleError(C.NAME_INVALID, field_name)
    text = " ".join(value.split())
    if len(text) > NAME_LIMIT:
        raise PeopleError(C.NAME_TOO_LONG, field_name, limit=NAME_LIMIT)
    if _NAME_BAD.search(text):
        raise PeopleError(C.NAME_INVALID, field_name)
    return text


def clean_date_of_birth(value: Any, field_name: str, *, on: date) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        born = value
    else:
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise PeopleError(C.DATE_OF_BIRTH_INVALID, field_name)
        try:
            born = date.fromisoformat(value)
        except ValueError as exc:
            raise PeopleError(C.DATE_OF_BIRTH_INVALID, field_name) from exc
    if born < EARLIEST_BIRTH:
        raise PeopleError(C.DATE_OF_BIRTH_INVALID, field_name)
    if born > on:
        raise PeopleError(C.DATE_OF_BIRTH_IN_FUTURE, field_name)
    return born


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def clean_age(value: Any, field_name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 120:
        raise PeopleError(C.AGE_INVALID, field_name)
    return value


def clean_nationality(value: Any, field_name: str) -> str:
    if not isinstance(value, str) or value not in ISO3:
        raise PeopleError(C.NATIONALITY_INVALID, field_name)
    return value


def clean_sex(value: Any, field_name: str) -> str:
    if value is None or value == "":
        return Sex.UNKNOWN
    allowed = [s.value for s in Sex]
    if not isinstance(value, str) or value.lower() not in allowed:
        raise PeopleError(C.SEX_INVALID, field_name, allowed=", ".join(allowed))
    return value.lower()


def clean_languages(values: Any, field_name: str) -> tuple[str, ...]:
    if values is None:
        return ()
    if not isinstance(values, list | tuple):
        raise PeopleError(C.LANGUAGE_INVALID, field_name)
    out: list[str] = []
    for i, value in enumerate(values):
        if not isinstance(value, str) or not _LANGUAGE.match(value):
            raise PeopleError(C.LANGUAGE_INVALID, f"{field_name}.{i}")
        if value not in out:
            out.append(value)
    return tuple(out)


def clean_a_number(value: Any, field_name: str) -> str | None:
    """Normalise an A-number to its 9 digits (zero-padded), as :mod:`asilo.web.core.a_numbers`
    reads it (``A-012 345 678``, ``A012345678``, ``12345678``)."""
    if value is None or value == "":
        return None
    clean = normalise_a_number(value) if isinstance(value, str) else None
    if clean is None:
        raise PeopleError(C.A_NUMBER_INVALID, field_name)
    return clean


def clean_documents(values: Any, field_name: str) -> tuple[DocumentInput, ...]:
    if values is None:
        return ()
    if not isinstance(values, list | tuple):
        raise PeopleError(C.DOCUMENT_KIND_INVALID, field_name, allowed=_kinds())
    out: list[DocumentInput] = []
    for i, raw in enumerate(values):
        doc = _as_mapping(raw)
        where = f"{field_name}.{i}"
        kind = doc.get("kind")
        if kind not in DocumentKind.values:
            raise PeopleError(C.DOCUMENT_KIND_INVALID, f"{where}.kind", allowed=_kinds())
        number = doc.get("number")
        if not isinstance(number, str) or not _DOC_NUMBER.match(number.strip()):
            raise PeopleError(C.DOCUMENT_NUMBER_INVALID, f"{where}.number")
        country = doc.get("issuing_country") or ""
        if country and (not isinstance(country, str) or country not in ISO3):
            raise PeopleError(C.DOCUMENT_COUNTRY_INVALID, f"{where}.issuing_country")
        out.append(DocumentInput(kind=kind, number=number.strip(), issuing_country=country))
    return tuple(out)


def clean_vulnerabilities(values: Any, field_name: str) -> tuple[str, ...]:
    if values is None:
        return ()
    allowed = ", ".join(VULNERABILITIES)
    if not isinstance(values, list | tuple):
        raise PeopleError(C.VULNERABILITY_INVALID, field_name, allowed=allowed)
    out: list[str] = []
    for i, value in enumerate(values):
        if value not in VULNERABILITIES:
            raise PeopleError(C.VULNERABILITY_INVALID, f"{field_name}.{i}", allowed=allowed)
        if value not in out:
            out.append(value)
    return tuple(out)


def _kinds() -> str:
    return ", ".join(DocumentKind.values)


def _as_mapping(raw: Any) -> Mapping[str, Any]:
    if isinstance(raw, Mapping):
        return raw
    if hasattr(raw, "model_dump"):
        dumped: Mapping[str, Any] = raw.model_dump()
        return dumped
    if isinstance(raw, DocumentInput):
        return {"kind": raw.kind, "number": raw.number, "issuing_country": raw.issuing_country}
    return {}


def clean_identity(raw: Mapping[str, Any], *, on: date, prefix: str = "") -> IdentityInput:
    """Check every identity field of ``raw`` (a person object of the encounter document)."""
    born = clean_date_of_birth(raw.get("date_of_birth"), _f(prefix, "date_of_birth"), on=on)
    age = clean_age(raw.get("age"), _f(prefix, "age"))
    if born is not None and age is not None and abs(age_on(born, on) - age) > 1:
        raise PeopleError(C.AGE_MISMATCH, _f(prefix, "age"), age=age, computed=age_on(born, on))
    return IdentityInput(
        nationality=clean_nationality(raw.get("nationality"), _f(prefix, "nationality")),
        given_names=clean_name(raw.get("given_names"), _f(prefix, "given_names")),
        first_surname=clean_name(raw.get("first_surname"), _f(prefix, "first_surname")),
        second_surname=clean_name(raw.get("second_surname"), _f(prefix, "second_surname")),
        date_of_birth=born,
        age=age if age is not None else (age_on(born, on) if born is not None else None),
        sex=clean_sex(raw.get("sex"), _f(prefix, "sex")),
        languages=clean_languages(raw.get("languages"), _f(prefix, "languages")),
        documents=clean_documents(raw.get("documents"), _f(prefix, "documents")),
        a_number=clean_a_number(raw.get("a_number"), _f(prefix, "a_number")),
        vulnerabilities=clean_vulnerabilities(
            raw.get("vulnerabilities"), _f(prefix, "vulnerabilities")
        ),
    )


def identity_fields_set(identity: IdentityInput) -> list[str]:
    """Names (not values) of the identity fields given: safe to put in an audit entry."""
    names: Iterable[tuple[str, Any]] = (
        ("given_names", identity.given_names),
        ("first_surname", identity.first_surname),
        ("second_surname", identity.second_surname),
        ("date_of_birth", identity.date_of_birth),
        ("documents", identity.documents),
        ("a_number", identity.a_number),
    )
    return [name for name, value in names if value]
