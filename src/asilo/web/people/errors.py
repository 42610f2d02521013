"""The people app's error vocabulary: stable codes, translated messages, HTTP statuses.

Services and selectors raise :class:`PeopleError`; the API turns it into a structured error
``{"code", "message", "field"}``. :class:`DomainError` (the shared base, from
:mod:`asilo.web.core.errors`) is re-exported here for older imports.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from asilo.web.core.errors import DomainError

__all__ = ["PEOPLE_MESSAGES", "PEOPLE_STATUSES", "DomainError", "PeopleError"]


class PeopleErrorCode(StrEnum):
    FORBIDDEN = "forbidden"
    PERSON_NOT_FOUND = "person_not_found"
    FAMILY_UNIT_NOT_FOUND = "family_unit_not_found"
    NAME_TOO_LONG = "name_too_long"
    NAME_INVALID = "name_invalid"
    DATE_OF_BIRTH_INVALID = "date_of_birth_invalid"
    DATE_OF_BIRTH_IN_FUTURE = "date_of_birth_in_future"
    AGE_INVALID = "age_invalid"
    AGE_MISMATCH = "age_mismatch"
    SEX_INVALID = "sex_invalid"
    NATIONALITY_INVALID = "nationality_invalid"
    LANGUAGE_INVALID = "language_invalid"
    DOCUMENT_KIND_INVALID = "document_kind_invalid"
    DOCUMENT_NUMBER_INVALID = "document_number_invalid"
    DOCUMENT_COUNTRY_INVALID = "document_country_invalid"
    A_NUMBER_INVALID = "a_number_invalid"
    A_NUMBER_IN_USE = "a_number_in_use"
    VULNERABILITY_INVALID = "vulnerability_invalid"
    QUERY_TOO_SHORT = "query_too_short"
    FAMILY_UNIT_EMPTY = "family_unit_empty"
    FAMILY_MEMBER_DUPLICATE = "family_member_duplicate"
    MEMBER_ROLE_INVALID = "member_role_invalid"
    RELATIONSHIP_INVALID = "relationship_invalid"


C = PeopleErrorCode

PEOPLE_MESSAGES: dict[str, Promise] = {
    C.FORBIDDEN: _("Your role may not do this."),
    C.PERSON_NOT_FOUND: _("No person has this id."),
    C.FAMILY_UNIT_NOT_FOUND: _("No family unit has this id."),
    C.NAME_TOO_LONG: _("A name may have at most {limit} characters."),
    C.NAME_INVALID: _("A name may not contain control characters or digits."),
    C.DATE_OF_BIRTH_INVALID: _("The date of birth must be a date (YYYY-MM-DD) after 1900-01-01."),
    C.DATE_OF_BIRTH_IN_FUTURE: _("The date of birth is after the date of the encounter."),
    C.AGE_INVALID: _("The age must be a whole number from 0 to 120."),
    C.AGE_MISMATCH: _("The age ({age}) does not match the date of birth (age {computed})."),
    C.SEX_INVALID: _("The sex must be one of: {allowed}."),
    C.NATIONALITY_INVALID: _("The nationality must be an ISO 3166-1 alpha-3 code (e.g. HND)."),
    C.LANGUAGE_INVALID: _("A language must be an ISO 639 code of 2 or 3 lower-case letters."),
    C.DOCUMENT_KIND_INVALID: _("The kind of document must be one of: {allowed}."),
    C.DOCUMENT_NUMBER_INVALID: _(
        "A document number must have 1 to 40 letters, digits, spaces or hyphens."
    ),
    C.DOCUMENT_COUNTRY_INVALID: _(
        "The issuing country must be an ISO 3166-1 alpha-3 code (e.g. GTM)."
    ),
    C.A_NUMBER_INVALID: _("An A-number has 8 or 9 digits, optionally preceded by A."),
    C.A_NUMBER_IN_USE: _("This A-number already belongs to another person."),
    C.VULNERABILITY_INVALID: _("Unknown vulnerability; use one of: {allowed}."),
    C.QUERY_TOO_SHORT: _("Search with at least one name of 2 letters or more."),
    C.FAMILY_UNIT_EMPTY: _("A family unit needs at least one member."),
    C.FAMILY_MEMBER_DUPLICATE: _("The same person appears twice in the family unit."),
    C.MEMBER_ROLE_INVALID: _("A member's role must be adult or child."),
    C.RELATIONSHIP_INVALID: _("The relationship must be one of: {allowed}."),
}

PEOPLE_STATUSES: dict[str, int] = {
    C.FORBIDDEN: 403,
    C.PERSON_NOT_FOUND: 404,
    C.FAMILY_UNIT_NOT_FOUND: 404,
    C.A_NUMBER_IN_USE: 409,
}


class PeopleError(DomainError):
    messages = PEOPLE_MESSAGES
    statuses = PEOPLE_STATUSES
