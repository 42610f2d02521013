"""Writes on registrations, one module per use case; one transaction each, audited in the
same transaction.

- :mod:`.registering`: a family registers (form, API, caseworker, bulk import);
- :mod:`.reevaluation`: the engine asked again for a program's queue;
- :mod:`.verification`: the caseworker's call-backs, review tasks and flags;
- :mod:`.members`: the family adds or removes a member, corrects a name or a date of birth;
- :mod:`.pin`: the status page's sign-in and a lost PIN;
- :mod:`.contact`: a self-service family confirms its phone or e-mail by a code;
- the lifecycle's one status service is :mod:`asilo.web.registrations.lifecycle`.

Audit entries carry ids, codes and the names of fields, never names or contact details.
``actor=None`` is the person registering themselves (the self-service channel). The names
below are the public ones (``from asilo.web.registrations.services import ...``).
"""

from asilo.web.registrations.eligibility import (
    member_age_on,
    rules_date,
    rules_unverified_after,
)
from asilo.web.registrations.numbers import (
    digest,
    new_number,
    new_pin,
    normalise_number,
    pin_hash,
)
from asilo.web.registrations.services.common import MEMBER, PROGRAM, REGISTRATION, TASK
from asilo.web.registrations.services.contact import (
    CONTACT_CODE_MINUTES,
    CONTACT_CODE_TRIES,
    CONTACT_CODES_PER_DAY,
    awaiting_code,
    registration_contact_confirm,
    registration_contact_resend,
)
from asilo.web.registrations.services.members import (
    registration_member_add,
    registration_member_correct,
    registration_member_remove,
)
from asilo.web.registrations.services.pin import (
    PIN_CODE_MINUTES,
    PIN_CODE_TRIES,
    PIN_CODES_PER_DAY,
    pin_failure_limit,
    pin_lock_minutes,
    pin_recovery_confirm,
    pin_recovery_request,
    registration_status_lookup,
)
from asilo.web.registrations.services.reevaluation import Reevaluation, program_reevaluate
from asilo.web.registrations.services.registering import (
    Submission,
    eligibility_status,
    program_for_registration,
    registration_create,
    registration_submit,
)
from asilo.web.registrations.services.verification import (
    registration_flag_vulnerability,
    registration_mark_duplicate,
    review_task_close,
)

__all__ = [
    "CONTACT_CODES_PER_DAY",
    "CONTACT_CODE_MINUTES",
    "CONTACT_CODE_TRIES",
    "MEMBER",
    "PIN_CODES_PER_DAY",
    "PIN_CODE_MINUTES",
    "PIN_CODE_TRIES",
    "PROGRAM",
    "REGISTRATION",
    "TASK",
    "Reevaluation",
    "Submission",
    "awaiting_code",
    "digest",
    "eligibility_status",
    "member_age_on",
    "new_number",
    "new_pin",
    "normalise_number",
    "pin_failure_limit",
    "pin_hash",
    "pin_lock_minutes",
    "pin_recovery_confirm",
    "pin_recovery_request",
    "program_for_registration",
    "program_reevaluate",
    "registration_contact_confirm",
    "registration_contact_resend",
    "registration_create",
    "registration_flag_vulnerability",
    "registration_mark_duplicate",
    "registration_member_add",
    "registration_member_correct",
    "registration_member_remove",
    "registration_status_lookup",
    "registration_submit",
    "review_task_close",
    "rules_date",
    "rules_unverified_after",
]
