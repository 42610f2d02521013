"""The border-processing pages. Views stay thin: rights through ``has_capability``, reads through
the apps' selectors (audited where they show a person), every write through the services.

Refusals: anonymous users go to sign-in; a signed-in role without the capability gets 403 (the
selectors and services also audit the refusal). Bad input re-renders the form with each error on
its field and writes nothing.

One module per part of the work; this package keeps the views importable as
``asilo.web.processing.views.<name>`` (the URL configuration uses them so).
"""

from asilo.web.processing.views.custody import (
    book_out,
    exception_decide,
    exception_list,
    exception_request,
    task_close,
    task_note,
    task_step,
)
from asilo.web.processing.views.day import (
    custody_list,
    dashboard,
    encounter_list,
    notifications,
    work_queue,
)
from asilo.web.processing.views.encounters import (
    encounter_confirm,
    encounter_detail,
    encounter_new,
    encounter_override,
    family_detail,
    person_detail,
)
from asilo.web.processing.views.overrides import override_list, override_review

__all__ = [
    "book_out",
    "custody_list",
    "dashboard",
    "encounter_confirm",
    "encounter_detail",
    "encounter_list",
    "encounter_new",
    "encounter_override",
    "exception_decide",
    "exception_list",
    "exception_request",
    "family_detail",
    "notifications",
    "override_list",
    "override_review",
    "person_detail",
    "task_close",
    "task_note",
    "task_step",
    "work_queue",
]
