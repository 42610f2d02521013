"""The encounters app's error vocabulary: stable codes, translated messages, HTTP statuses."""

from __future__ import annotations

from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from asilo.web.people.errors import PEOPLE_MESSAGES, PEOPLE_STATUSES, DomainError


class EncounterErrorCode(StrEnum):
    INVALID_ENCOUNTER = "invalid_encounter"
    ENCOUNTER_IN_FUTURE = "encounter_in_future"
    BOOK_IN_INVALID = "book_in_invalid"
    CLIENT_REQUEST_ID_INVALID = "client_request_id_invalid"
    CLIENT_REQUEST_ID_MISMATCH = "client_request_id_mismatch"
    CLIENT_REQUEST_ID_REUSED = "client_request_id_reused"
    ENCOUNTER_NOT_FOUND = "encounter_not_found"
    DECISION_ALREADY_SETTLED = "decision_already_settled"
    DECISION_PENDING = "decision_pending"
    OVERRIDE_REASON_REQUIRED = "override_reason_required"
    OVERRIDE_SAME_AS_DECISION = "override_same_as_decision"
    OVERRIDE_PATHWAY_INVALID = "override_pathway_invalid"
    OVERRIDE_AUTHORITY_INVALID = "override_authority_invalid"
    OVERRIDE_DESTINATION_INVALID = "override_destination_invalid"
    OVERRIDE_UNLAWFUL_FOR_CHILD = "override_unlawful_for_child"
    OVERRIDE_NOT_FOUND = "override_not_found"
    OVERRIDE_ALREADY_REVIEWED = "override_already_reviewed"
    VERDICT_INVALID = "verdict_invalid"
    REVIEW_NOTE_REQUIRED = "review_note_required"
    SELF_REVIEW = "self_review"
    CUSTODY_NOT_FOUND = "custody_not_found"
    CUSTODY_CLOSED = "custody_closed"
    OUTCOME_INVALID = "outcome_invalid"
    OUTCOME_UNLAWFUL_FOR_CHILD = "outcome_unlawful_for_child"
    FAMILY_OUTCOME_DIFFERS = "family_outcome_differs"
    FAMILY_CHILD_LEFT_ALONE = "family_child_left_alone"
    NO_OPEN_CUSTODY = "no_open_custody"
    EXCEPTION_NOT_FOUND = "exception_not_found"
    EXCEPTION_NOT_FAMILY = "exception_not_family"
    EXCEPTION_REASON_REQUIRED = "exception_reason_required"
    EXCEPTION_ALREADY_DECIDED = "exception_already_decided"
    EXCEPTION_PENDING_EXISTS = "exception_pending_exists"
    SELF_APPROVAL = "self_approval"
    TASK_NOT_FOUND = "task_not_found"
    TASK_CLOSED = "task_closed"
    TASK_CLOSING_INVALID = "task_closing_invalid"
    TASK_STEP_INVALID = "task_step_invalid"
    TASK_STEP_DONE = "task_step_done"
    NOTE_REQUIRED = "note_required"
    TEXT_TOO_LONG = "text_too_long"
    STATUS_FILTER_INVALID = "status_filter_invalid"
    SCOPE_FILTER_INVALID = "scope_filter_invalid"


C = EncounterErrorCode

ENCOUNTER_MESSAGES: dict[str, Promise] = {
    C.INVALID_ENCOUNTER: _("Invalid encounter: {detail}"),
    C.ENCOUNTER_IN_FUTURE: _("The encounter's date and time are in the future."),
    C.BOOK_IN_INVALID: _(
        "The book-in time must be an ISO date-time, not in the future and not before the encounter."
    ),
    C.CLIENT_REQUEST_ID_INVALID: _(
        "A client request id has 1 to 100 letters, digits, dots, colons, hyphens or underscores."
    ),
    C.CLIENT_REQUEST_ID_MISMATCH: _(
        "The Idempotency-Key header and the client_request_id field differ."
    ),
    C.CLIENT_REQUEST_ID_REUSED: _(
        "This client request id was already used for a different encounter (encounter {id})."
    ),
    C.ENCOUNTER_NOT_FOUND: _("No encounter has this id."),
    C.DECISION_ALREADY_SETTLED: _("The decision was already {status}."),
    C.DECISION_PENDING: _("Confirm or override the decision before booking out."),
    C.OVERRIDE_REASON_REQUIRED: _(
        "Write the reason for the override ({minimum} characters or more)."
    ),
    C.OVERRIDE_SAME_AS_DECISION: _(
        "The override gives the same authority, pathway and destination as the decision."
    ),
    C.OVERRIDE_PATHWAY_INVALID: _("The pathway must be one of: {allowed}."),
    C.OVERRIDE_AUTHORITY_INVALID: _("The authority must be one of: {allowed}."),
    C.OVERRIDE_DESTINATION_INVALID: _(
        "The destination must be an ISO 3166-1 alpha-3 code, or empty."
    ),
    C.OVERRIDE_UNLAWFUL_FOR_CHILD: _(
        "An unaccompanied child may not be expelled or returned to Mexico under MPP."
    ),
    C.OUTCOME_UNLAWFUL_FOR_CHILD: _(
        "An unaccompanied child may not be expelled or returned to Mexico under MPP."
    ),
    C.OVERRIDE_NOT_FOUND: _("No override has this id."),
    C.OVERRIDE_ALREADY_REVIEWED: _("This override was already reviewed."),
    C.VERDICT_INVALID: _("The verdict must be upheld or overturned."),
    C.REVIEW_NOTE_REQUIRED: _("Write a note explaining why the override is overturned."),
    C.SELF_REVIEW: _("A supervisor may not review their own override."),
    C.CUSTODY_NOT_FOUND: _("No custody has this id."),
    C.CUSTODY_CLOSED: _("This person was already booked out."),
    C.OUTCOME_INVALID: _("The outcome must be one of: {allowed}."),
    C.FAMILY_OUTCOME_DIFFERS: _(
        "The family was booked out as {family_outcome}; booking this member out as {outcome}"
        " needs a supervisor-approved family exception."
    ),
    C.FAMILY_CHILD_LEFT_ALONE: _(
        "A child is never left alone: this would leave {children} without an adult of the"
        " family unit. Book the family out together, or ask a supervisor for a family"
        " exception."
    ),
    C.NO_OPEN_CUSTODY: _("No one in this family unit is still in custody."),
    C.EXCEPTION_NOT_FOUND: _("No family exception has this id."),
    C.EXCEPTION_NOT_FAMILY: _(
        "This person is not a member of a family unit that shares one outcome."
    ),
    C.EXCEPTION_REASON_REQUIRED: _(
        "Write the reason for the exception ({minimum} characters or more)."
    ),
    C.EXCEPTION_ALREADY_DECIDED: _("This family exception was already decided."),
    C.EXCEPTION_PENDING_EXISTS: _("A family exception for this custody already awaits a decision."),
    C.SELF_APPROVAL: _("A supervisor may not approve an exception they requested."),
    C.TASK_NOT_FOUND: _("No reunification task has this id."),
    C.TASK_CLOSED: _("This reunification task is already closed."),
    C.TASK_CLOSING_INVALID: _("A reunification task closes as one of: {allowed}."),
    C.TASK_STEP_INVALID: _("The step must be one of: {allowed}."),
    C.TASK_STEP_DONE: _("This step was already recorded."),
    C.NOTE_REQUIRED: _("Write a note ({minimum} characters or more)."),
    C.TEXT_TOO_LONG: _("Write at most {limit} characters."),
    C.STATUS_FILTER_INVALID: _("The status filter must be one of: {allowed}."),
    C.SCOPE_FILTER_INVALID: _("The scope must be one of: {allowed}."),
}

ENCOUNTER_STATUSES: dict[str, int] = {
    C.CLIENT_REQUEST_ID_REUSED: 409,
    C.ENCOUNTER_NOT_FOUND: 404,
    C.DECISION_ALREADY_SETTLED: 409,
    C.DECISION_PENDING: 409,
    C.OVERRIDE_NOT_FOUND: 404,
    C.OVERRIDE_ALREADY_REVIEWED: 409,
    C.SELF_REVIEW: 403,
    C.CUSTODY_NOT_FOUND: 404,
    C.CUSTODY_CLOSED: 409,
    C.FAMILY_OUTCOME_DIFFERS: 409,
    C.FAMILY_CHILD_LEFT_ALONE: 409,
    C.OUTCOME_UNLAWFUL_FOR_CHILD: 409,
    C.NO_OPEN_CUSTODY: 409,
    C.EXCEPTION_NOT_FOUND: 404,
    C.EXCEPTION_ALREADY_DECIDED: 409,
    C.EXCEPTION_PENDING_EXISTS: 409,
    C.SELF_APPROVAL: 403,
    C.TASK_NOT_FOUND: 404,
    C.TASK_CLOSED: 409,
    C.TASK_STEP_DONE: 409,
}


class EncounterError(DomainError):
    """A refusal from the encounters app (its codes, plus the people app's it passes on)."""

    messages = {**PEOPLE_MESSAGES, **ENCOUNTER_MESSAGES}
    statuses = {**PEOPLE_STATUSES, **ENCOUNTER_STATUSES}
