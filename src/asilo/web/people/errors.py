"""The people app's error vocabulary: stable codes, translated messages, HTTP statuses.

Services and selectors raise :class:`PeopleError`; the API turns it into a structured error
``{"code", "message", "field"}``. :class:`DomainError` (the shared base, from
:mod:`asilo.web.core.errors`) is re-exported here for older imports.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from asilo.web.core.errors import DomainError, ErrorCode

__all__ = ["DomainError", "PeopleError", "PeopleErrorCode"]


class PeopleErrorCode(ErrorCode):
    PERSON_NOT_FOUND = "person_not_found", _("No person has this id."), 404
    FAMILY_UNIT_NOT_FOUND = "family_unit_not_found", _("No family unit has this id."), 404
    NAME_TOO_LONG = "name_too_long", _("A name may have at most {limit} characters.")
    NAME_INVALID = "name_invalid", _("A name may not contain control characters or digits.")
    DATE_OF_BIRTH_INVALID = (
        "date_of_birth_invalid",
        _("The date of birth must be a date (YYYY-MM-DD) after 1900-01-01."),
    )
    DATE_OF_BIRTH_IN_FUTURE = (
        "date_of_birth_in_future",
        _("The date of birth is after the date of the encounter."),
    )
    AGE_INVALID = "age_invalid", _("The age must be a whole number from 0 to 120.")
    AGE_MISMATCH = (
        "age_mismatch",
        _("The age ({age}) does not match the date of birth (age {computed})."),
    )
    SEX_INVALID = "sex_invalid", _("The sex must be one of: {allowed}.")
    NATIONALITY_INVALID = (
        "nationality_invalid",
        _("The nationality must be an ISO 3166-1 alpha-3 code (e.g. HND)."),
    )
    LANGUAGE_INVALID = (
        "language_invalid",
        _("A language must be an ISO 639 code of 2 or 3 lower-case letters."),
    )
    DOCUMENT_KIND_INVALID = (
        "document_kind_invalid",
        _("The kind of document must be one of: {allowed}."),
    )
    DOCUMENT_NUMBER_INVALID = (
        "document_number_invalid",
        _("A document number must have 1 to 40 letters, digits, spaces or hyphens."),
    )
    DOCUMENT_COUNTRY_INVALID = (
        "document_country_invalid",
        _("The issuing country must be an ISO 3166-1 alpha-3 code (e.g. GTM)."),
    )
    A_NUMBER_INVALID = (
        "a_number_invalid",
        _("An A-number has 8 or 9 digits, optionally preceded by A."),
    )
    A_NUMBER_IN_USE = "a_number_in_use", _("This A-number already belongs to another person."), 409
    VULNERABILITY_INVALID = (
        "vulnerability_invalid",
        _("Unknown vulnerability; use one of: {allowed}."),
    )
    QUERY_TOO_SHORT = "query_too_short", _("Search with at least one name of 2 letters or more.")
    FAMILY_UNIT_EMPTY = "family_unit_empty", _("A family unit needs at least one member.")
    FAMILY_MEMBER_DUPLICATE = (
        "family_member_duplicate",
        _("The same person appears twice in the family unit."),
    )
    MEMBER_ROLE_INVALID = "member_role_invalid", _("A member's role must be adult or child.")
    RELATIONSHIP_INVALID = "relationship_invalid", _("The relationship must be one of: {allowed}.")


class PeopleError(DomainError):
    """A refusal from the people app."""
