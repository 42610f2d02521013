"""Reads of the encounters app: encounters, custody clocks, overrides, exceptions, tasks.

Lists carry ids, never names; a person's record is read through the people app (audited).
Reading one encounter is audited too, since it tells what happened to identified people.
Selectors never import services.

One module per subject; this package keeps the public names importable as
``asilo.web.encounters.selectors.<name>``.
"""

from asilo.web.encounters.selectors._lists import LIST_LIMIT
from asilo.web.encounters.selectors.custody import (
    CUSTODY_FILTERS,
    CUSTODY_ORDERS,
    CUSTODY_SCOPES,
    LIVE_WINDOW,
    NEAR_DUE_HOURS,
    ChildAlone,
    CustodyClock,
    StandardBreach,
    children_alone,
    custodies_booked_out_with,
    custodies_filtered,
    custodies_in_scope,
    custodies_near_due,
    custodies_open,
    custodies_overdue,
    custody_check,
    custody_clock,
    custody_list,
    custody_ordering,
    family_outcome,
    family_person_ids,
    standard_report,
    standard_report_rows,
)
from asilo.web.encounters.selectors.encounters import (
    A_NUMBER,
    Replay,
    decision_replay,
    encounter_detail,
    encounter_list,
    encounter_preview,
    encounter_search,
    encounter_view,
    encounters_of_person,
)
from asilo.web.encounters.selectors.work import (
    CustodySummary,
    custody_summary,
    family_exception_list,
    notifications_for,
    override_get,
    override_list,
    overrides_awaiting_review,
    reunification_task_list,
    unread_notifications,
)

__all__ = [
    "A_NUMBER",
    "CUSTODY_FILTERS",
    "CUSTODY_ORDERS",
    "CUSTODY_SCOPES",
    "LIST_LIMIT",
    "LIVE_WINDOW",
    "NEAR_DUE_HOURS",
    "ChildAlone",
    "CustodyClock",
    "CustodySummary",
    "Replay",
    "StandardBreach",
    "children_alone",
    "custodies_booked_out_with",
    "custodies_filtered",
    "custodies_in_scope",
    "custodies_near_due",
    "custodies_open",
    "custodies_overdue",
    "custody_check",
    "custody_clock",
    "custody_list",
    "custody_ordering",
    "custody_summary",
    "decision_replay",
    "encounter_detail",
    "encounter_list",
    "encounter_preview",
    "encounter_search",
    "encounter_view",
    "encounters_of_person",
    "family_exception_list",
    "family_outcome",
    "family_person_ids",
    "notifications_for",
    "override_get",
    "override_list",
    "overrides_awaiting_review",
    "reunification_task_list",
    "standard_report",
    "standard_report_rows",
    "unread_notifications",
]
