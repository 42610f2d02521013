"""Registration pages, one module per audience: :mod:`.family` (the public self-service and
status pages), :mod:`.staff` (caseworkers and supervisors), :mod:`.imports` (a partner's
list); :mod:`.common` holds what they share."""

from asilo.web.registrations.views.family import (
    done,
    family_members,
    pin_recover,
    register,
    start,
    status,
    verify_contact,
)
from asilo.web.registrations.views.imports import (
    staff_import,
    staff_import_csv,
    staff_import_slips,
)
from asilo.web.registrations.views.staff import (
    assisted_register,
    staff_detail,
    staff_export,
    staff_list,
    staff_slip,
    staff_tasks,
)

__all__ = [
    "assisted_register",
    "done",
    "family_members",
    "pin_recover",
    "register",
    "staff_detail",
    "staff_export",
    "staff_import",
    "staff_import_csv",
    "staff_import_slips",
    "staff_list",
    "staff_slip",
    "staff_tasks",
    "start",
    "status",
    "verify_contact",
]
