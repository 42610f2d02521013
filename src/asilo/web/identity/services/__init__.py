"""Writes of identity resolution: the linkage run, matching new records when they are
stored, and supervisors' decisions on pairs (each reversible). Every write is audited in its
own transaction; no name is written anywhere (records live in memory only).

One module per use case; this package keeps the public names importable as
``asilo.web.identity.services.<name>``.
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
