"""The identity app's error vocabulary: stable codes, translated messages, HTTP statuses."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from asilo.web.core.errors import DomainError, ErrorCode


class IdentityErrorCode(ErrorCode):
    PAIR_NOT_FOUND = "review_pair_not_found", _("No pair for review has this id."), 404
    PAIR_DECIDED = (
        "review_pair_already_decided",
        _("This pair was already decided; undo the decision first."),
        409,
    )
    PAIR_OPEN = "review_pair_not_decided", _("This pair has no decision to undo."), 409
    DECISION_INVALID = "review_decision_invalid", _("The decision must be one of: {allowed}.")
    RUN_IN_PROGRESS = (
        "link_run_in_progress",
        _("A linkage run is already in progress (run #{run})."),
        409,
    )


class IdentityError(DomainError):
    """A refusal from the identity app."""
