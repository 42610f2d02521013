"""The encounters app's error vocabulary: stable codes, translated messages, HTTP statuses."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from asilo.web.core.errors import DomainError, ErrorCode

#: Refused both as an override of the decision (400) and as a book-out (409).
_NEVER_EXPEL_A_CHILD_ALONE = _(
    "An unaccompanied child may not be expelled or returned to Mexico under MPP."
)


class EncounterErrorCode(ErrorCode):
    INVALID_ENCOUNTER = "invalid_encounter", _("Invalid encounter: {detail}")
    ENCOUNTER_IN_FUTURE = (
        "encounter_in_future",
        _("The encounter's date and time are in the future."),
    )
    BOOK_IN_INVALID = (
        "book_in_invalid",
        _(
            "The book-in time must be an ISO date-time, not in the future and not before the"
            " encounter."
        ),
    )
    CLIENT_REQUEST_ID_INVALID = (
        "client_request_id_invalid",
        _(
            "A client request id has 1 to 100 letters, digits, dots, colons, hyphens or"
            " underscores."
        ),
    )
    CLIENT_REQUEST_ID_MISMATCH = (
        "client_request_id_mismatch",
        _("The Idempotency-Key header and the client_request_id field differ."),
    )
    CLIENT_REQUEST_ID_REUSED = (
        "client_request_id_reused",
        _("This client request id was already used for a different encounter (encounter {id})."),
        409,
    )
    ENCOUNTER_NOT_FOUND = "encounter_not_found", _("No encounter has this id."), 404
    DECISION_ALREADY_SETTLED = (
        "decision_already_settled",
        _("The decision was already {status}."),
        409,
    )
    DECISION_PENDING = (
        "decision_pending",
        _("Confirm or override the decision before booking out."),
        409,
    )
    OVERRIDE_REASON_REQUIRED = (
        "override_reason_required",
        _("Write the reason for the override ({minimum} characters or more)."),
    )
    OVERRIDE_SAME_AS_DECISION = (
        "override_same_as_decision",
        _("The override gives the same authority, pathway and destination as the decision."),
    )
    OVERRIDE_PATHWAY_INVALID = (
        "override_pathway_invalid",
        _("The pathway must be one of: {allowed}."),
    )
    OVERRIDE_AUTHORITY_INVALID = (
        "override_authority_invalid",
        _("The authority must be one of: {allowed}."),
    )
    OVERRIDE_DESTINATION_INVALID = (
        "override_destination_invalid",
        _("The destination must be an ISO 3166-1 alpha-3 code, or empty."),
    )
    OVERRIDE_UNLAWFUL_FOR_CHILD = "override_unlawful_for_child", _NEVER_EXPEL_A_CHILD_ALONE
    OVERRIDE_NOT_FOUND = "override_not_found", _("No override has this id."), 404
    OVERRIDE_ALREADY_REVIEWED = (
        "override_already_reviewed",
        _("This override was already reviewed."),
        409,
    )
    VERDICT_INVALID = "verdict_invalid", _("The verdict must be upheld or overturned.")
    REVIEW_NOTE_REQUIRED = (
        "review_note_required",
        _("Write a note explaining why the override is overturned."),
    )
    SELF_REVIEW = "self_review", _("A supervisor may not review their own override."), 403
    CUSTODY_NOT_FOUND = "custody_not_found", _("No custody has this id."), 404
    CUSTODY_CLOSED = "custody_closed", _("This person was already booked out."), 409
    OUTCOME_INVALID = "outcome_invalid", _("The outcome must be one of: {allowed}.")
    OUTCOME_UNLAWFUL_FOR_CHILD = "outcome_unlawful_for_child", _NEVER_EXPEL_A_CHILD_ALONE, 409
    FAMILY_OUTCOME_DIFFERS = (
        "family_outcome_differs",
        _(
            "The family was booked out as {family_outcome}; booking this member out as {outcome}"
            " needs a supervisor-approved family exception."
        ),
        409,
    )
    FAMILY_CHILD_LEFT_ALONE = (
        "family_child_left_alone",
        _(
            "A child is never left alone: this would leave {children} without an adult of the"
            " family unit. Book the family out together, or ask a supervisor for a family"
            " exception."
        ),
        409,
    )
    NO_OPEN_CUSTODY = "no_open_custody", _("No one in this family unit is still in custody."), 409
    EXCEPTION_NOT_FOUND = "exception_not_found", _("No family exception has this id."), 404
    EXCEPTION_NOT_FAMILY = (
        "exception_not_family",
        _("This person is not a member of a family unit that shares one outcome."),
    )
    EXCEPTION_REASON_REQUIRED = (
        "exception_reason_required",
        _("Write the reason for the exception ({minimum} characters or more)."),
    )
    EXCEPTION_ALREADY_DECIDED = (
        "exception_already_decided",
        _("This family exception was already decided."),
        409,
    )
    EXCEPTION_PENDING_EXISTS = (
        "exception_pending_exists",
        _("A family exception for this custody already awaits a decision."),
        409,
    )
    SELF_APPROVAL = (
        "self_approval",
        _("A supervisor may not approve an exception they requested."),
        403,
    )
    TASK_NOT_FOUND = "task_not_found", _("No reunification task has this id."), 404
    TASK_CLOSED = "task_closed", _("This reunification task is already closed."), 409
    TASK_CLOSING_INVALID = (
        "task_closing_invalid",
        _("A reunification task closes as one of: {allowed}."),
    )
    TASK_STEP_INVALID = "task_step_invalid", _("The step must be one of: {allowed}.")
    TASK_STEP_DONE = "task_step_done", _("This step was already recorded."), 409
    NOTE_REQUIRED = "note_required", _("Write a note ({minimum} characters or more).")
    TEXT_TOO_LONG = "text_too_long", _("Write at most {limit} characters.")
    STATUS_FILTER_INVALID = (
        "status_filter_invalid",
        _("The status filter must be one of: {allowed}."),
    )
    SCOPE_FILTER_INVALID = "scope_filter_invalid", _("The scope must be one of: {allowed}.")


class EncounterError(DomainError):
    """A refusal from the encounters app (its codes, plus the people app's it passes on)."""
