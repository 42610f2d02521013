"""Writes of identity resolution: the linkage run, matching new records when they are
stored, and supervisors' decisions on pairs (each reversible). Every write is audited in its
own transaction; no name is written anywhere (records live in memory only).

Where each use case lives (the names are importable from this package too):
``runs`` the linkage run over every record; ``at_record`` matching a new encounter's people
or a new registration's members when they are stored; ``review`` a supervisor's decision on a
pair and its undoing; ``_locks`` the one lock identity writers take.
"""

from asilo.web.identity.services.at_record import (
    Attached,
    identity_match_members,
    identity_match_people,
    identity_match_records,
)
from asilo.web.identity.services.review import review_decide, review_undo
from asilo.web.identity.services.runs import STALE_RUN_SECONDS, identity_run, model_version

__all__ = [
    "STALE_RUN_SECONDS",
    "Attached",
    "identity_match_members",
    "identity_match_people",
    "identity_match_records",
    "identity_run",
    "model_version",
    "review_decide",
    "review_undo",
]
