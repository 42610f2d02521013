"""Writes of the encounters app: record (decide), confirm, override, review, book out, family
exceptions and reunification tasks. One transaction each, audited in the same transaction;
decisions carry the catalogue version. Rights are checked (and refusals audited) first.

One module per use case; this package keeps the public names importable as
``asilo.web.encounters.services.<name>``.
"""

from asilo.web.encounters.documents import (
    CLOCK_SKEW,
    IDENTITY_FIELDS,
    REQUEST_FIELDS,
    EncounterErrors,
    PreparedEncounter,
    policy_field,
    prepare_encounter,
    split_document,
)
from asilo.web.encounters.object_types import (
    CUSTODY,
    ENCOUNTER,
    FAMILY_EXCEPTION,
    OVERRIDE,
    REUNIFICATION_TASK,
)
from asilo.web.encounters.selectors import family_outcome, family_person_ids
from asilo.web.encounters.services._checks import MAX_TEXT, MIN_NOTE, MIN_REASON
from asilo.web.encounters.services.custody import custody_book_out
from asilo.web.encounters.services.decisions import (
    decision_confirm,
    decision_override,
    override_review,
)
from asilo.web.encounters.services.exceptions import (
    family_exception_approve,
    family_exception_deny,
    family_exception_request,
)
from asilo.web.encounters.services.exports import (
    FORMULA_STARTS,
    csv_text,
    custody_list_export,
    encounter_list_export,
    family_exception_list_export,
    override_list_export,
    reunification_task_list_export,
)
from asilo.web.encounters.services.family_units import UnitMember
from asilo.web.encounters.services.recording import RecordedEncounter, encounter_record
from asilo.web.encounters.services.reunification import (
    TASK_STEPS,
    notifications_mark_read,
    reunification_task_close,
    reunification_task_note,
    reunification_task_step,
)
from asilo.web.encounters.services.unaccompanied import UC_AFTER_SEPARATION_REASON

__all__ = [
    "CLOCK_SKEW",
    "CUSTODY",
    "ENCOUNTER",
    "FAMILY_EXCEPTION",
    "FORMULA_STARTS",
    "IDENTITY_FIELDS",
    "MAX_TEXT",
    "MIN_NOTE",
    "MIN_REASON",
    "OVERRIDE",
    "REQUEST_FIELDS",
    "REUNIFICATION_TASK",
    "TASK_STEPS",
    "UC_AFTER_SEPARATION_REASON",
    "EncounterErrors",
    "PreparedEncounter",
    "RecordedEncounter",
    "UnitMember",
    "csv_text",
    "custody_book_out",
    "custody_list_export",
    "decision_confirm",
    "decision_override",
    "encounter_list_export",
    "encounter_record",
    "family_exception_approve",
    "family_exception_deny",
    "family_exception_list_export",
    "family_exception_request",
    "family_outcome",
    "family_person_ids",
    "notifications_mark_read",
    "override_list_export",
    "override_review",
    "policy_field",
    "prepare_encounter",
    "reunification_task_close",
    "reunification_task_list_export",
    "reunification_task_note",
    "reunification_task_step",
    "split_document",
]
