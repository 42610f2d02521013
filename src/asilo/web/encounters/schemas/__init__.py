"""Request and response schemas of the encounters API (explicit, for the OpenAPI document).

One module per subject; this package keeps the names importable as
``asilo.web.encounters.schemas.<name>``.
"""

from asilo.web.encounters.schemas.custody import (
    BookOutOut,
    ChildAloneOut,
    CustodyCheckOut,
    CustodyListOut,
    CustodyOut,
    CustodySummaryOut,
    StandardBreachOut,
    StandardReportOut,
)
from asilo.web.encounters.schemas.decisions import (
    CitationOut,
    ConfirmationOut,
    DecisionOut,
    MemberOutcomeOut,
    OptionOut,
    OverrideOut,
    ParticipantOut,
    PlaceOut,
    ReasonOut,
    SeenBeforeOut,
)
from asilo.web.encounters.schemas.encounters import (
    EncounterListOut,
    EncounterOut,
    OverrideListOut,
    ReplayOut,
)
from asilo.web.encounters.schemas.requests import (
    BookOutIn,
    EncounterIn,
    EncounterPersonIn,
    FamilyExceptionIn,
    MppCaseIn,
    NoteIn,
    OverrideIn,
    PlaceIn,
    ReviewIn,
    TaskCloseIn,
    TaskNoteIn,
    TaskStepIn,
)
from asilo.web.encounters.schemas.work import (
    FamilyExceptionListOut,
    FamilyExceptionOut,
    ReunificationTaskListOut,
    ReunificationTaskOut,
    TaskNoteOut,
)

__all__ = [
    "BookOutIn",
    "BookOutOut",
    "ChildAloneOut",
    "CitationOut",
    "ConfirmationOut",
    "CustodyCheckOut",
    "CustodyListOut",
    "CustodyOut",
    "CustodySummaryOut",
    "DecisionOut",
    "EncounterIn",
    "EncounterListOut",
    "EncounterOut",
    "EncounterPersonIn",
    "FamilyExceptionIn",
    "FamilyExceptionListOut",
    "FamilyExceptionOut",
    "MemberOutcomeOut",
    "MppCaseIn",
    "NoteIn",
    "OptionOut",
    "OverrideIn",
    "OverrideListOut",
    "OverrideOut",
    "ParticipantOut",
    "PlaceIn",
    "PlaceOut",
    "ReasonOut",
    "ReplayOut",
    "ReunificationTaskListOut",
    "ReunificationTaskOut",
    "ReviewIn",
    "SeenBeforeOut",
    "StandardBreachOut",
    "StandardReportOut",
    "TaskCloseIn",
    "TaskNoteIn",
    "TaskNoteOut",
    "TaskStepIn",
]
