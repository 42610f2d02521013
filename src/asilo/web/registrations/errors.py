"""The registrations app's error vocabulary: stable codes, translated messages, HTTP statuses.

Validation collects every problem of a submission at once (:class:`RegistrationInputError`),
each naming its field, so that a form, a CSV line or an API call can show all of them.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from asilo.web.people.errors import DomainError


class RegistrationErrorCode(StrEnum):
    FORBIDDEN = "forbidden"
    REGISTRATION_NOT_FOUND = "registration_not_found"
    PROGRAM_NOT_FOUND = "program_not_found"
    PROGRAM_CLOSED = "program_closed"
    CLIENT_REQUEST_ID_INVALID = "client_request_id_invalid"
    MEMBERS_EMPTY = "members_empty"
    MEMBERS_TOO_MANY = "members_too_many"
    PRINCIPAL_FIRST = "principal_first"
    PRINCIPAL_TWICE = "principal_twice"
    NAME_REQUIRED = "name_required"
    NAME_INVALID = "name_invalid"
    NAME_TOO_LONG = "name_too_long"
    DATE_OF_BIRTH_INVALID = "date_of_birth_invalid"
    DATE_OF_BIRTH_IN_FUTURE = "date_of_birth_in_future"
    AGE_REQUIRED = "age_required"
    AGE_INVALID = "age_invalid"
    SEX_INVALID = "sex_invalid"
    NATIONALITY_INVALID = "nationality_invalid"
    RELATIONSHIP_INVALID = "relationship_invalid"
    CONTACT_REQUIRED = "contact_required"
    PHONE_INVALID = "phone_invalid"
    EMAIL_INVALID = "email_invalid"
    CITY_INVALID = "city_invalid"
    PLACE_TOO_LONG = "place_too_long"
    PORT_INVALID = "port_invalid"
    PORT_REPEATED = "port_repeated"
    LANGUAGE_INVALID = "language_invalid"
    VULNERABILITY_INVALID = "vulnerability_invalid"
    A_NUMBER_INVALID = "a_number_invalid"
    MPP_STATUS_REQUIRED = "mpp_status_required"
    MPP_STATUS_INVALID = "mpp_status_invalid"
    MPP_ENROLLED_ON_INVALID = "mpp_enrolled_on_invalid"
    MPP_FIELDS_NOT_IN_PROGRAM = "mpp_fields_not_in_program"
    CSV_NOT_UTF8 = "csv_not_utf8"
    CSV_EMPTY = "csv_empty"
    CSV_TOO_LARGE = "csv_too_large"
    CSV_MISSING_COLUMN = "csv_missing_column"
    CSV_UNKNOWN_COLUMN = "csv_unknown_column"
    CSV_WRONG_CELL_COUNT = "csv_wrong_cell_count"
    CSV_FAMILY_REQUIRED = "csv_family_required"
    CSV_FAMILY_WITHOUT_PRINCIPAL = "csv_family_without_principal"
    CSV_FAMILY_FIELD_ON_MEMBER_ROW = "csv_family_field_on_member_row"
    CSV_ORGANISATION_REQUIRED = "csv_organisation_required"
    STATUS_LOOKUP_FAILED = "status_lookup_failed"
    STATUS_LOOKUP_LOCKED = "status_lookup_locked"
    TASK_NOT_FOUND = "task_not_found"
    TASK_CLOSED = "task_closed"
    OUTCOME_INVALID = "outcome_invalid"
    NOTE_REQUIRED = "note_required"
    DATE_INVALID = "date_invalid"
    STATUS_CHANGE_INVALID = "status_change_invalid"
    FILE_REQUIRED = "file_required"
    FILTER_INVALID = "filter_invalid"
    PIN_CODE_INVALID = "pin_code_invalid"
    MEMBER_NOT_FOUND = "member_not_found"
    CONFIRM_REQUIRED = "confirm_required"
    PRINCIPAL_STAYS = "principal_stays"
    FIELD_NOT_CORRECTABLE = "field_not_correctable"
    FAMILY_CHANGE_WHILE_OFFERED = "family_change_while_offered"
    ORGANISATION_NOT_FOUND = "organisation_not_found"
    ALREADY_ASSIGNED = "already_assigned"


C = RegistrationErrorCode

REGISTRATION_MESSAGES: dict[str, Promise] = {
    C.FORBIDDEN: _("Your role may not do this."),
    C.REGISTRATION_NOT_FOUND: _("No registration has this number."),
    C.PROGRAM_NOT_FOUND: _("No program has this code."),
    C.PROGRAM_CLOSED: _("This program is not taking registrations."),
    C.CLIENT_REQUEST_ID_INVALID: _(
        "The form is missing its request id. Reload the form page and send it again."
    ),
    C.MEMBERS_EMPTY: _("Add at least one person: the person registering."),
    C.MEMBERS_TOO_MANY: _("A family can have at most {limit} people."),
    C.PRINCIPAL_FIRST: _("The first person must be the person registering."),
    C.PRINCIPAL_TWICE: _("Only the first person can be the person registering."),
    C.NAME_REQUIRED: _("Write the given names and the surnames."),
    C.NAME_INVALID: _("A name cannot contain digits or symbols."),
    C.NAME_TOO_LONG: _("A name can have at most {limit} characters."),
    C.DATE_OF_BIRTH_INVALID: _("Write the date of birth as year-month-day, e.g. 1990-04-25."),
    C.DATE_OF_BIRTH_IN_FUTURE: _("The date of birth cannot be in the future."),
    C.AGE_REQUIRED: _("Write the date of birth or, if you do not know it, the age."),
    C.AGE_INVALID: _("The age must be a whole number from 0 to 120."),
    C.SEX_INVALID: _("Choose the sex."),
    C.NATIONALITY_INVALID: _("Choose the nationality (or write its 3-letter code, e.g. HTI)."),
    C.RELATIONSHIP_INVALID: _("Choose the relationship to the person registering."),
    C.CONTACT_REQUIRED: _("Give at least one way to reach you: phone, WhatsApp or e-mail."),
    C.PHONE_INVALID: _("A phone number has 8 to 15 digits, with the country code (e.g. +52)."),
    C.EMAIL_INVALID: _("This e-mail address is not valid."),
    C.CITY_INVALID: _("Choose the city where you are waiting."),
    C.PLACE_TOO_LONG: _("The shelter or address can have at most {limit} characters."),
    C.PORT_INVALID: _("This port of entry is not part of the program."),
    C.PORT_REPEATED: _("The same port of entry is chosen twice."),
    C.LANGUAGE_INVALID: _("Unknown language code."),
    C.VULNERABILITY_INVALID: _("Unknown vulnerability."),
    C.A_NUMBER_INVALID: _("An A-number has 8 or 9 digits (it may start with A)."),
    C.MPP_STATUS_REQUIRED: _("With an A-number, choose the status of the MPP case."),
    C.MPP_STATUS_INVALID: _("Choose the MPP case status: active, terminated or in absentia order."),
    C.MPP_ENROLLED_ON_INVALID: _(
        "Write the MPP enrolment date as year-month-day; it cannot be in the future."
    ),
    C.MPP_FIELDS_NOT_IN_PROGRAM: _("MPP case details belong only to the MPP program."),
    C.CSV_NOT_UTF8: _("The file is not UTF-8 text."),
    C.CSV_EMPTY: _("The file has no rows after the header."),
    C.CSV_TOO_LARGE: _("The file has more than {limit} rows."),
    C.CSV_MISSING_COLUMN: _("The header lacks the column {column}."),
    C.CSV_UNKNOWN_COLUMN: _("The header has an unknown column {column}."),
    C.CSV_WRONG_CELL_COUNT: _("The row has {found} cells; the header has {expected}."),
    C.CSV_FAMILY_REQUIRED: _("Each row needs a family reference."),
    C.CSV_FAMILY_WITHOUT_PRINCIPAL: _(
        "Family {family} has no first row with relationship 'principal'."
    ),
    C.CSV_FAMILY_FIELD_ON_MEMBER_ROW: _(
        "Family-level column {column} must be empty on a member's row; fill it on the"
        " principal's row."
    ),
    C.CSV_ORGANISATION_REQUIRED: _("Only a caseworker of an organisation can import a list."),
    C.STATUS_LOOKUP_FAILED: _("The registration number or the PIN is wrong."),
    C.STATUS_LOOKUP_LOCKED: _(
        "Too many wrong PINs. Try again after {minutes} minutes, or ask a caseworker."
    ),
    C.TASK_NOT_FOUND: _("No review task has this id."),
    C.TASK_CLOSED: _("This review task is already closed."),
    C.OUTCOME_INVALID: _("This outcome does not fit this kind of task."),
    C.NOTE_REQUIRED: _("Write a note explaining the outcome."),
    C.DATE_INVALID: _("The date must be year-month-day (YYYY-MM-DD)."),
    C.STATUS_CHANGE_INVALID: _('A registration cannot go from "{from_status}" to "{to_status}".'),
    C.FILE_REQUIRED: _("Choose a CSV file to check and import."),
    C.FILTER_INVALID: _("This filter value is not known: {value}."),
    C.MEMBER_NOT_FOUND: _("The family has no member at this place."),
    C.CONFIRM_REQUIRED: _("Tick the box to confirm."),
    C.PRINCIPAL_STAYS: _(
        "The person registering cannot be removed. A caseworker can register the family again."
    ),
    C.FIELD_NOT_CORRECTABLE: _(
        "Only given names, surnames and a date of birth can be corrected here."
    ),
    C.FAMILY_CHANGE_WHILE_OFFERED: _(
        "The family has an appointment for this number of people. Ask for another date first;"
        " then add or remove the member, and the next appointment counts everyone."
    ),
    C.PIN_CODE_INVALID: _(
        "This code does not work: it is wrong, already used or expired. Ask for a new code."
    ),
    C.ORGANISATION_NOT_FOUND: _("No organisation has this id."),
    C.ALREADY_ASSIGNED: _("This family already belongs to an organisation."),
}

REGISTRATION_STATUSES: dict[str, int] = {
    C.FORBIDDEN: 403,
    C.REGISTRATION_NOT_FOUND: 404,
    C.PROGRAM_NOT_FOUND: 404,
    C.PROGRAM_CLOSED: 409,
    C.TASK_NOT_FOUND: 404,
    C.TASK_CLOSED: 409,
    C.STATUS_LOOKUP_FAILED: 401,
    C.STATUS_LOOKUP_LOCKED: 429,
    C.STATUS_CHANGE_INVALID: 409,
    C.PIN_CODE_INVALID: 400,
    C.MEMBER_NOT_FOUND: 404,
    C.FAMILY_CHANGE_WHILE_OFFERED: 409,
    C.ORGANISATION_NOT_FOUND: 404,
    C.ALREADY_ASSIGNED: 409,
}


class RegistrationError(DomainError):
    messages = REGISTRATION_MESSAGES
    statuses = REGISTRATION_STATUSES


class RegistrationInputError(Exception):
    """Every problem of one submission; each error names its field."""

    def __init__(self, errors: list[RegistrationError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.code}" for e in errors))

    def as_list(self) -> list[dict[str, str | None]]:
        return [e.as_dict() for e in self.errors]
