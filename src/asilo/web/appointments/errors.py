"""The appointments app's error vocabulary: stable codes, translated messages, HTTP statuses."""

from __future__ import annotations

from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from asilo.web.people.errors import DomainError


class AppointmentErrorCode(StrEnum):
    FORBIDDEN = "forbidden"
    PROGRAM_NOT_FOUND = "program_not_found"
    PORT_NOT_IN_PROGRAM = "port_not_in_program"
    CAPACITY_INVALID = "capacity_invalid"
    CAPACITY_BELOW_BOOKED = "capacity_below_booked"
    DATE_INVALID = "date_invalid"
    DATE_IN_PAST = "date_in_past"
    HOURS_INVALID = "hours_invalid"
    NO_CAPACITY = "no_capacity"
    SEED_INVALID = "seed_invalid"
    METHOD_UNAVAILABLE = "method_unavailable"
    ALLOCATION_RUNNING = "allocation_running"
    ALLOCATION_INPUT_INVALID = "allocation_input_invalid"
    RUN_NOT_FOUND = "run_not_found"
    APPOINTMENT_NOT_FOUND = "appointment_not_found"
    TOKEN_INVALID = "token_invalid"
    CODE_REQUIRED = "code_required"
    NO_APPOINTMENT_TODAY = "no_appointment_today"
    NOT_TODAY = "not_today"
    NO_BOOKED_APPOINTMENT = "no_booked_appointment"
    ALREADY_CHECKED_IN = "already_checked_in"
    NOT_BOOKED = "not_booked"
    MEMBERS_INVALID = "members_invalid"
    MEMBER_ALONE_NEEDS_EXCEPTION = "member_alone_needs_exception"
    EXCEPTION_REASON_REQUIRED = "exception_reason_required"
    EXCEPTION_WHOLE_FAMILY = "exception_whole_family"
    ENCOUNTER_REFUSED = "encounter_refused"
    DAY_NOT_OVER = "day_not_over"
    HOURS_OVER = "hours_over"
    REGISTRATION_NOT_FOUND = "registration_not_found"
    WINDOW_OVER = "window_over"
    TOO_LATE_TO_CHANGE = "too_late_to_change"
    RESCHEDULE_USED = "reschedule_used"
    ACTION_INVALID = "action_invalid"
    LANGUAGE_INVALID = "language_invalid"
    RESEND_LIMIT = "resend_limit"
    NO_CONTACT = "no_contact"
    PHONE_INVALID = "phone_invalid"
    EMAIL_INVALID = "email_invalid"
    CONTACT_REQUIRED = "contact_required"
    SIGN_IN_REQUIRED = "sign_in_required"
    STATUS_INVALID = "status_invalid"


C = AppointmentErrorCode

APPOINTMENT_MESSAGES: dict[str, Promise] = {
    C.FORBIDDEN: _("Your role may not do this."),
    C.PROGRAM_NOT_FOUND: _("No program has this code."),
    C.PORT_NOT_IN_PROGRAM: _("This port of entry is not one of the program's ports."),
    C.CAPACITY_INVALID: _("The capacity must be a whole number of persons from 0 to {limit}."),
    C.CAPACITY_BELOW_BOOKED: _(
        "{booked} persons already have appointments at this port on this day; the capacity"
        " cannot be lower."
    ),
    C.DATE_INVALID: _("The date must be year-month-day (YYYY-MM-DD)."),
    C.DATE_IN_PAST: _("The date is in the past."),
    C.HOURS_INVALID: _("The port must open before it closes (HH:MM), for at least one hour."),
    C.NO_CAPACITY: _("No port of this program has capacity from {start} on. Set capacities first."),
    C.SEED_INVALID: _("The seed must be a whole number from 0 upwards."),
    C.METHOD_UNAVAILABLE: _("The allocation method {method} is not published in this version."),
    C.ALLOCATION_RUNNING: _(
        "An allocation of this program is running now. Wait for it to finish, then try again."
    ),
    C.ALLOCATION_INPUT_INVALID: _("The allocation refused its input: {detail}"),
    C.RUN_NOT_FOUND: _("No allocation run has this id."),
    C.APPOINTMENT_NOT_FOUND: _("No appointment has this id."),
    C.TOKEN_INVALID: _(
        "This code is not a valid appointment code. Scan it again or type the registration number."
    ),
    C.CODE_REQUIRED: _("Scan the QR code or type the registration number."),
    C.NO_APPOINTMENT_TODAY: _("This registration has no appointment to check in."),
    C.NOT_TODAY: _("This appointment is on {date}, not today."),
    C.NO_BOOKED_APPOINTMENT: _("This registration has no booked appointment."),
    C.ALREADY_CHECKED_IN: _("This family is already checked in."),
    C.NOT_BOOKED: _("This appointment is {status}: it cannot be checked in."),
    C.MEMBERS_INVALID: _("Choose at least one member of this family."),
    C.MEMBER_ALONE_NEEDS_EXCEPTION: _(
        "A family is checked in together. Checking in only some members needs a supervisor's"
        " exception with a reason."
    ),
    C.EXCEPTION_REASON_REQUIRED: _(
        "Write the reason for the exception (at least {limit} characters)."
    ),
    C.EXCEPTION_WHOLE_FAMILY: _("The whole family is chosen: no exception is needed."),
    C.ENCOUNTER_REFUSED: _("The encounter could not be started: {detail}"),
    C.DAY_NOT_OVER: _("The day {date} is not over yet."),
    C.REGISTRATION_NOT_FOUND: _("There is no registration with this number."),
    C.HOURS_OVER: _(
        "The hours of this day at this port are already over (last window ending {time}):"
        " no family could be given them."
    ),
    C.WINDOW_OVER: _("The time of this appointment has passed; no notice is sent for it."),
    C.TOO_LATE_TO_CHANGE: _("This appointment can no longer be changed."),
    C.RESCHEDULE_USED: _("Another date was already asked for once; this appointment stays."),
    C.ACTION_INVALID: _("Unknown action."),
    C.LANGUAGE_INVALID: _("Choose English, Spanish or Haitian Creole."),
    C.RESEND_LIMIT: _("The notice was sent {limit} times today. Try again tomorrow."),
    C.NO_CONTACT: _("The family has no phone or e-mail to send the notice to."),
    C.PHONE_INVALID: _("A phone number has 8 to 15 digits, with the country code (e.g. +52)."),
    C.EMAIL_INVALID: _("This e-mail address is not valid."),
    C.CONTACT_REQUIRED: _("Give at least one way to reach you: phone or e-mail."),
    C.SIGN_IN_REQUIRED: _("Sign in with your registration number and PIN."),
    C.STATUS_INVALID: _('There is no appointment status "{value}".'),
}

APPOINTMENT_STATUSES: dict[str, int] = {
    C.FORBIDDEN: 403,
    C.PROGRAM_NOT_FOUND: 404,
    C.RUN_NOT_FOUND: 404,
    C.APPOINTMENT_NOT_FOUND: 404,
    C.NO_APPOINTMENT_TODAY: 404,
    C.REGISTRATION_NOT_FOUND: 404,
    C.NO_BOOKED_APPOINTMENT: 404,
    C.ALLOCATION_RUNNING: 409,
    C.ALREADY_CHECKED_IN: 409,
    C.NOT_BOOKED: 409,
    C.CAPACITY_BELOW_BOOKED: 409,
    C.TOO_LATE_TO_CHANGE: 409,
    C.RESCHEDULE_USED: 409,
    C.MEMBER_ALONE_NEEDS_EXCEPTION: 409,
    C.NOT_TODAY: 409,
    C.RESEND_LIMIT: 429,
    C.SIGN_IN_REQUIRED: 401,
    C.METHOD_UNAVAILABLE: 409,
    C.NO_CAPACITY: 409,
}


class AppointmentError(DomainError):
    messages = APPOINTMENT_MESSAGES
    statuses = APPOINTMENT_STATUSES
