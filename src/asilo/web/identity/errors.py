"""The identity app's error vocabulary: stable codes, translated messages, HTTP statuses."""

from __future__ import annotations

from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from asilo.web.core.errors import DomainError


class IdentityErrorCode(StrEnum):
    PAIR_NOT_FOUND = "review_pair_not_found"
    PAIR_DECIDED = "review_pair_already_decided"
    PAIR_OPEN = "review_pair_not_decided"
    DECISION_INVALID = "review_decision_invalid"
    RUN_IN_PROGRESS = "link_run_in_progress"


C = IdentityErrorCode

IDENTITY_MESSAGES: dict[str, Promise] = {
    C.PAIR_NOT_FOUND: _("No pair for review has this id."),
    C.PAIR_DECIDED: _("This pair was already decided; undo the decision first."),
    C.PAIR_OPEN: _("This pair has no decision to undo."),
    C.DECISION_INVALID: _("The decision must be one of: {allowed}."),
    C.RUN_IN_PROGRESS: _("A linkage run is already in progress (run #{run})."),
}

IDENTITY_STATUSES: dict[str, int] = {
    C.PAIR_NOT_FOUND: 404,
    C.PAIR_DECIDED: 409,
    C.PAIR_OPEN: 409,
    C.RUN_IN_PROGRESS: 409,
}


class IdentityError(DomainError):
    messages = IDENTITY_MESSAGES
    statuses = IDENTITY_STATUSES
