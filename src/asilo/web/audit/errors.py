"""The audit error vocabulary."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from asilo.web.core.errors import DomainError, ErrorCode


class AuditErrorCode(ErrorCode):
    FORBIDDEN = "forbidden", _("Your role may not read the audit trail."), 403
    BAD_DATE_RANGE = "bad_date_range", _("The start date is after the end date.")


class AuditError(DomainError):
    """A refusal from the audit trail's pages and API."""
