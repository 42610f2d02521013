"""The appointments app's error vocabulary: stable codes, translated messages, HTTP statuses."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from asilo.web.core.errors import DomainError, ErrorCode
from asilo.web.encounters.errors import EncounterErrorCode as Encounters
from asilo.web.registrations.errors import RegistrationErrorCode as Registrations


class AppointmentErrorCode(ErrorCode):
    PROGRAM_NOT_FOUND = Registrations.PROGRAM_NOT_FOUND.declaration
    PORT_NOT_IN_PROGRAM = (
        "port_not_in_program",
        _("This port of entry is not one of the program's ports."),
    )
    CAPACITY_INVALID = (
        "capacity_invalid",
        _("The capacity must be a whole number of persons from 0 to {limit}."),
    )
    CAPACITY_BELOW_BOOKED = (
        "capacity_below_booked",
        _(
            "{booked} persons already have appointments at this port on this day; the capacity"
            " cannot be lower."
        ),
        409,
    )
    DATE_INVALID = Registrations.DATE_INVALID.declaration
    DATE_IN_PAST = "date_in_past", _("The date is in the past.")
    HOURS_INVALID = (
        "hours_invalid",
        _("The port must open before it closes (HH:MM), for at least one hour."),
    )
    NO_CAPACITY = (
        "no_capacity",
        _("No port of this program has capacity from {start} on. Set capacities first."),
        409,
    )
    SEED_INVALID = "seed_invalid", _("The seed must be a whole number from 0 upwards.")
    METHOD_UNAVAILABLE = (
        "method_unavailable",
        _("The allocation method {method} is not published in this version."),
        409,
    )
    ALLOCATION_RUNNING = (
        "allocation_running",
        _("An allocation of this program is running now. Wait for it to finish, then try again."),
        409,
    )
    ALLOCATION_INPUT_INVALID = (
        "allocation_input_invalid",
        _("The allocation refused its input: {detail}"),
    )
    RUN_NOT_FOUND = "run_not_found", _("No allocation run has this id."), 404
    APPOINTMENT_NOT_FOUND = "appointment_not_found", _("No appointment has this id."), 404
    TOKEN_INVALID = (
        "token_invalid",
        _(
            "This code is not a valid appointment code. Scan it again or type the registration"
            " number."
        ),
    )
    CODE_REQUIRED = "code_required", _("Scan the QR code or type the registration number.")
    NO_APPOINTMENT_TODAY = (
        "no_appointment_today",
        _("This registration has no appointment to check in."),
        404,
    )
    NOT_TODAY = "not_today", _("This appointment is on {date}, not today."), 409
    NO_BOOKED_APPOINTMENT = (
        "no_booked_appointment",
        _("This registration has no booked appointment."),
        404,
    )
    ALREADY_CHECKED_IN = "already_checked_in", _("This family is already checked in."), 409
    NOT_BOOKED = "not_booked", _("This appointment is {status}: it cannot be checked in."), 409
    MEMBERS_INVALID = "members_invalid", _("Choose at least one member of this family.")
    MEMBER_ALONE_NEEDS_EXCEPTION = (
        "member_alone_needs_exception",
        _(
            "A family is checked in together. Checking in only some members needs a supervisor's"
            " exception with a reason."
        ),
        409,
    )
    EXCEPTION_REASON_REQUIRED = Encounters.EXCEPTION_REASON_REQUIRED.declaration
    EXCEPTION_WHOLE_FAMILY = (
        "exception_whole_family",
        _("The whole family is chosen: no exception is needed."),
    )
    ENCOUNTER_REFUSED = "encounter_refused", _("The encounter could not be started: {detail}")
    DAY_NOT_OVER = "day_not_over", _("The day {date} is not over yet.")
    HOURS_OVER = (
        "hours_over",
        _(
            "The hours of this day at this port are already over (last window ending {time}):"
            " no family could be given them."
        ),
    )
    REGISTRATION_NOT_FOUND = Registrations.REGISTRATION_NOT_FOUND.declaration
    WINDOW_OVER = (
        "window_over",
        _("The time of this appointment has passed; no notice is sent for it."),
    )
    TOO_LATE_TO_CHANGE = "too_late_to_change", _("This appointment can no longer be changed."), 409
    RESCHEDULE_USED = (
        "reschedule_used",
        _("Another date was already asked for once; this appointment stays."),
        409,
    )
    ACTION_INVALID = "action_invalid", _("Unknown action.")
    LANGUAGE_INVALID = "language_invalid", _("Choose English, Spanish or Haitian Creole.")
    RESEND_LIMIT = (
        "resend_limit",
        _("The notice was sent {limit} times today. Try again tomorrow."),
        429,
    )
    NO_CONTACT = "no_contact", _("The family has no phone or e-mail to send the notice to.")
    PHONE_INVALID = Registrations.PHONE_INVALID.declaration
    EMAIL_INVALID = Registrations.EMAIL_INVALID.declaration
    CONTACT_REQUIRED = "contact_required", _("Give at least one way to reach you: phone or e-mail.")
    SIGN_IN_REQUIRED = "sign_in_required", _("Sign in with your registration number and PIN."), 401
    STATUS_INVALID = "status_invalid", _('There is no appointment status "{value}".')


class AppointmentError(DomainError):
    """A refusal from the appointments app."""
