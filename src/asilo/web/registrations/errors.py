"""The registrations app's error vocabulary: stable codes, translated messages, HTTP statuses.

Validation collects every problem of a submission at once (:class:`RegistrationInputError`),
each naming its field, so that a form, a CSV line or an API call can show all of them.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from asilo.web.core.errors import CoreErrorCode, DomainError, DomainErrors, ErrorCode
from asilo.web.people.errors import PeopleErrorCode


class RegistrationErrorCode(ErrorCode):
    FORBIDDEN = CoreErrorCode.FORBIDDEN.declaration
    REGISTRATION_NOT_FOUND = "registration_not_found", _("No registration has this number."), 404
    PROGRAM_NOT_FOUND = "program_not_found", _("No program has this code."), 404
    PROGRAM_CLOSED = "program_closed", _("This program is not taking registrations."), 409
    CLIENT_REQUEST_ID_INVALID = (
        "client_request_id_invalid",
        _("The form is missing its request id. Reload the form page and send it again."),
    )
    MEMBERS_EMPTY = "members_empty", _("Add at least one person: the person registering.")
    MEMBERS_TOO_MANY = "members_too_many", _("A family can have at most {limit} people.")
    PRINCIPAL_FIRST = "principal_first", _("The first person must be the person registering.")
    PRINCIPAL_TWICE = "principal_twice", _("Only the first person can be the person registering.")
    NAME_REQUIRED = "name_required", _("Write the given names and the surnames.")
    NAME_INVALID = "name_invalid", _("A name cannot contain digits or symbols.")
    NAME_TOO_LONG = PeopleErrorCode.NAME_TOO_LONG.declaration
    DATE_OF_BIRTH_INVALID = (
        "date_of_birth_invalid",
        _("Write the date of birth as year-month-day, e.g. 1990-04-25."),
    )
    DATE_OF_BIRTH_IN_FUTURE = (
        "date_of_birth_in_future",
        _("The date of birth cannot be in the future."),
    )
    AGE_REQUIRED = "age_required", _("Write the date of birth or, if you do not know it, the age.")
    AGE_INVALID = PeopleErrorCode.AGE_INVALID.declaration
    SEX_INVALID = "sex_invalid", _("Choose the sex.")
    NATIONALITY_INVALID = (
        "nationality_invalid",
        _("Choose the nationality (or write its 3-letter code, e.g. HTI)."),
    )
    RELATIONSHIP_INVALID = (
        "relationship_invalid",
        _("Choose the relationship to the person registering."),
    )
    CONTACT_REQUIRED = (
        "contact_required",
        _("Give at least one way to reach you: phone, WhatsApp or e-mail."),
    )
    PHONE_INVALID = (
        "phone_invalid",
        _("A phone number has 8 to 15 digits, with the country code (e.g. +52)."),
    )
    EMAIL_INVALID = "email_invalid", _("This e-mail address is not valid.")
    CITY_INVALID = "city_invalid", _("Choose the city where you are waiting.")
    PLACE_TOO_LONG = (
        "place_too_long",
        _("The shelter or address can have at most {limit} characters."),
    )
    PORT_INVALID = "port_invalid", _("This port of entry is not part of the program.")
    PORT_REPEATED = "port_repeated", _("The same port of entry is chosen twice.")
    LANGUAGE_INVALID = "language_invalid", _("Unknown language code.")
    VULNERABILITY_INVALID = "vulnerability_invalid", _("Unknown vulnerability.")
    A_NUMBER_INVALID = PeopleErrorCode.A_NUMBER_INVALID.declaration
    MPP_STATUS_REQUIRED = (
        "mpp_status_required",
        _("With an A-number, choose the status of the MPP case."),
    )
    MPP_STATUS_INVALID = (
        "mpp_status_invalid",
        _("Choose the MPP case status: active, terminated or in absentia order."),
    )
    MPP_ENROLLED_ON_INVALID = (
        "mpp_enrolled_on_invalid",
        _("Write the MPP enrolment date as year-month-day; it cannot be in the future."),
    )
    MPP_FIELDS_NOT_IN_PROGRAM = (
        "mpp_fields_not_in_program",
        _("MPP case details belong only to the MPP program."),
    )
    CSV_NOT_UTF8 = "csv_not_utf8", _("The file is not UTF-8 text.")
    CSV_EMPTY = "csv_empty", _("The file has no rows after the header.")
    CSV_TOO_LARGE = "csv_too_large", _("The file has more than {limit} rows.")
    CSV_MISSING_COLUMN = "csv_missing_column", _("The header lacks the column {column}.")
    CSV_UNKNOWN_COLUMN = "csv_unknown_column", _("The header has an unknown column {column}.")
    CSV_WRONG_CELL_COUNT = (
        "csv_wrong_cell_count",
        _("The row has {found} cells; the header has {expected}."),
    )
    CSV_FAMILY_REQUIRED = "csv_family_required", _("Each row needs a family reference.")
    CSV_FAMILY_WITHOUT_PRINCIPAL = (
        "csv_family_without_principal",
        _("Family {family} has no first row with relationship 'principal'."),
    )
    CSV_FAMILY_FIELD_ON_MEMBER_ROW = (
        "csv_family_field_on_member_row",
        _(
            "Family-level column {column} must be empty on a member's row; fill it on the"
            " principal's row."
        ),
    )
    CSV_ORGANISATION_REQUIRED = (
        "csv_organisation_required",
        _("Only a caseworker of an organisation can import a list."),
    )
    STATUS_LOOKUP_FAILED = (
        "status_lookup_failed",
        _("The registration number or the PIN is wrong."),
        401,
    )
    STATUS_LOOKUP_LOCKED = (
        "status_lookup_locked",
        _("Too many wrong PINs. Try again after {minutes} minutes, or ask a caseworker."),
        429,
    )
    TASK_NOT_FOUND = "task_not_found", _("No review task has this id."), 404
    TASK_CLOSED = "task_closed", _("This review task is already closed."), 409
    OUTCOME_INVALID = "outcome_invalid", _("This outcome does not fit this kind of task.")
    NOTE_REQUIRED = "note_required", _("Write a note explaining the outcome.")
    DATE_INVALID = "date_invalid", _("The date must be year-month-day (YYYY-MM-DD).")
    STATUS_CHANGE_INVALID = (
        "status_change_invalid",
        _('A registration cannot go from "{from_status}" to "{to_status}".'),
        409,
    )
    FILE_REQUIRED = "file_required", _("Choose a CSV file to check and import.")
    FILTER_INVALID = "filter_invalid", _("This filter value is not known: {value}.")
    PIN_CODE_INVALID = (
        "pin_code_invalid",
        _("This code does not work: it is wrong, already used or expired. Ask for a new code."),
    )
    PIN_CODE_LOCKED = (
        "pin_code_locked",
        _("Too many wrong codes from this device. Try again after {minutes} minutes."),
        429,
    )
    MEMBER_NOT_FOUND = "member_not_found", _("The family has no member at this place."), 404
    CONFIRM_REQUIRED = "confirm_required", _("Tick the box to confirm.")
    PRINCIPAL_STAYS = (
        "principal_stays",
        _("The person registering cannot be removed. A caseworker can register the family again."),
    )
    FIELD_NOT_CORRECTABLE = (
        "field_not_correctable",
        _("Only given names, surnames and a date of birth can be corrected here."),
    )
    FAMILY_CHANGE_WHILE_OFFERED = (
        "family_change_while_offered",
        _(
            "The family has an appointment for this number of people. Ask for another date first;"
            " then add or remove the member, and the next appointment counts everyone."
        ),
        409,
    )
    ORGANISATION_NOT_FOUND = "organisation_not_found", _("No organisation has this id."), 404
    ALREADY_ASSIGNED = "already_assigned", _("This family already belongs to an organisation."), 409


class RegistrationError(DomainError):
    """A refusal from the registrations app."""


class RegistrationInputError(DomainErrors):
    """Every problem of one submission; each error names its field."""
