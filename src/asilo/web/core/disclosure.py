"""Who reads asilo's own records in aggregates with small counts withheld, and how a withheld
count reads (the rule itself is pure: :mod:`asilo.stats.disclosure`).

A role that reads no person's or family's record (the analyst) sees only aggregates: every
aggregate of asilo's own records it reads withholds counts from 1 to 9 ("fewer than 10", as
DHS OHSS publishes). Roles that work cases (officers, supervisors, caseworkers) and auditors
already read the records themselves: their work queues and reports keep exact counts. CBP's
published data is public and never withheld.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _

from asilo.stats.disclosure import MIN_COUNT, Withheld
from asilo.web.core.roles import Capability, capabilities_of

#: Reading any of these is reading people's records: exact counts add nothing to it.
PERSON_LEVEL = frozenset(
    {
        Capability.PERSON_VIEW,
        Capability.REGISTRATION_VIEW_ALL,
        Capability.REGISTRATION_VIEW_ORGANISATION,
        Capability.AUDIT_VIEW,
    }
)


def aggregates_only(user: Any | AnonymousUser | None) -> bool:
    """True for a role that reads no person's record (small counts are withheld from it)."""
    return not (capabilities_of(user) & PERSON_LEVEL)


def withheld_label(below: int = MIN_COUNT) -> str:
    """A withheld count in the reader's language: "fewer than 10"."""
    return _("fewer than %(n)s") % {"n": below}


def count_text(value: Any) -> Any:
    """A count as a page shows it: the label for a withheld count, else the value itself."""
    if isinstance(value, Withheld):
        return withheld_label(value.below)
    return value
