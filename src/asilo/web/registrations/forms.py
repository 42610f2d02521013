"""The registration form in plain HTML (no JavaScript): reading a POST into the mapping that
:func:`asilo.web.registrations.validation.clean_registration` validates, and the choices the
form offers in the page's language."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from asilo.web.core.relationships import RelationshipToPrincipal
from asilo.web.registrations.models import MppCaseStatus, Program, Sex
from asilo.web.registrations.validation import (
    FAMILY_FIELDS,
    MAX_MEMBERS,
    MEMBER_FIELDS,
    WAITING_CITIES,
)

#: Nationalities offered first (the most frequent at the border); any other by its ISO code.
NATIONALITIES = (
    ("HTI", _("Haiti")),
    ("VEN", _("Venezuela")),
    ("HND", _("Honduras")),
    ("GTM", _("Guatemala")),
    ("SLV", _("El Salvador")),
    ("NIC", _("Nicaragua")),
    ("CUB", _("Cuba")),
    ("MEX", _("Mexico")),
    ("COL", _("Colombia")),
    ("ECU", _("Ecuador")),
    ("PER", _("Peru")),
    ("BRA", _("Brazil")),
    ("CHL", _("Chile")),
    ("RUS", _("Russia")),
    ("CHN", _("China")),
    ("IND", _("India")),
    ("AFG", _("Afghanistan")),
    ("MRT", _("Mauritania")),
    ("SEN", _("Senegal")),
    ("CMR", _("Cameroon")),
)

LANGUAGES = (
    ("es", _("Spanish")),
    ("ht", _("Haitian Creole")),
    ("en", _("English")),
    ("fr", _("French")),
    ("pt", _("Portuguese")),
)

VULNERABILITY_LABELS = (
    ("medical_emergency", _("Someone needs urgent medical care")),
    ("physical_health", _("A serious illness or injury")),
    ("mental_health", _("A mental health condition")),
    ("pregnancy", _("Pregnancy")),
    ("disability", _("A disability")),
    ("advanced_age", _("Someone aged 60 or more")),
    ("lgbtqi", _("LGBTQI+ person at risk")),
    ("imminent_threat", _("Threatened with harm where you are now")),
    ("violence_in_mexico", _("Has suffered violence in Mexico")),
    ("trafficking_victim", _("Victim of trafficking")),
)

CITY_LABELS = tuple(
    (city, _("Another city") if city == "other" else city) for city in WAITING_CITIES
)


def family_size(raw: Any) -> int:
    """The number of member blocks the form shows (1 to the maximum; 1 when unreadable)."""
    try:
        size = int(str(raw))
    except ValueError:
        return 1
    return min(max(size, 1), MAX_MEMBERS)


def post_to_data(post: QueryDict, *, size: int) -> dict[str, Any]:
    """The form's fields as the mapping the validation reads."""
    members = []
    for index in range(size):
        member = {name: post.get(f"m{index}-{name}", "") for name in MEMBER_FIELDS}
        other = post.get(f"m{index}-nationality_other", "").strip()
        if member["nationality"] == "other" or (other and not member["nationality"]):
            member["nationality"] = other
        if index == 0:  # the first block is the principal's (the form asks no relationship)
            member["relationship"] = RelationshipToPrincipal.PRINCIPAL
        members.append(member)
    ports = [p for p in (post.get(f"port{i}", "") for i in range(1, 9)) if p]
    languages = post.getlist("languages")
    other_language = post.get("language_other", "").strip()
    if other_language:
        languages.append(other_language)
    return {
        "client_request_id": post.get("client_request_id", ""),
        "program": post.get("program", ""),
        "members": members,
        "phone": post.get("phone", ""),
        "whatsapp": post.get("whatsapp", ""),
        "email": post.get("email", ""),
        "waiting_city": post.get("waiting_city", ""),
        "waiting_place": post.get("waiting_place", ""),
        "preferred_ports": ports,
        "languages": languages,
        "vulnerabilities": post.getlist("vulnerabilities"),
        "language": post.get("language", ""),
        "a_number": post.get("a_number", ""),
        "mpp_enrolled_on": post.get("mpp_enrolled_on", ""),
        "mpp_case_status": post.get("mpp_case_status", ""),
    }


@dataclass
class MemberBlock:
    index: int
    values: dict[str, str]
    errors: dict[str, str]


@dataclass
class FormPage:
    """Everything the form template needs: values, errors by field, choices."""

    program: Program
    size: int
    client_request_id: str
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def members(self) -> list[MemberBlock]:
        blocks = []
        members = self.values.get("members") or []
        for index in range(self.size):
            values = members[index] if index < len(members) else {}
            prefix = f"members[{index}]."
            errors: dict[str, str] = {}
            for name, message in sorted(self.errors.items()):
                if name.startswith(prefix) and message not in errors.values():
                    # The same sentence for given names and surnames is shown once.
                    errors[name.removeprefix(prefix)] = message
            blocks.append(MemberBlock(index=index, values=values, errors=errors))
        return blocks

    @property
    def port_choices(self) -> list[tuple[int, str]]:
        ports = list(self.values.get("preferred_ports") or [])
        return [
            (i + 1, ports[i] if i < len(ports) else "")
            for i in range(min(3, len(self.program.ports)))
        ]

    @property
    def is_mpp(self) -> bool:
        return self.program.rule == "mpp/wind_down"

    def error_list(self) -> list[str]:
        """Every error as a sentence, saying which person it is about."""
        lines: list[str] = []
        for name, message in sorted(self.errors.items()):
            if name.startswith("members["):
                number = int(name[len("members[") :].split("]", 1)[0]) + 1
                line = str(
                    _("Person %(number)s: %(message)s") % {"number": number, "message": message}
                )
            else:
                line = message
            if line not in lines:  # a missing name is one error, not one per name field
                lines.append(line)
        return lines

    def top_error(self, name: str) -> str:
        """The first error of a family-level field (``preferred_ports[1]`` counts as ports)."""
        for key, message in sorted(self.errors.items()):
            if key == name or key.startswith(name + "["):
                return message
        return ""

    @property
    def field_errors(self) -> dict[str, str]:
        return {name: self.top_error(name) for name in FAMILY_FIELDS}

    sexes = Sex.choices
    relationships = [
        c for c in RelationshipToPrincipal.choices if c[0] != RelationshipToPrincipal.PRINCIPAL
    ]
    nationalities = NATIONALITIES
    languages = LANGUAGES
    vulnerability_labels = VULNERABILITY_LABELS
    cities = CITY_LABELS
    mpp_statuses = MppCaseStatus.choices
