"""The audit error vocabulary."""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class AuditErrorCode(StrEnum):
    FORBIDDEN = "forbidden"
    BAD_DATE_RANGE = "bad_date_range"


MESSAGES = {
    AuditErrorCode.FORBIDDEN: _("Your role may not read the audit trail."),
    AuditErrorCode.BAD_DATE_RANGE: _("The start date is after the end date."),
}
