"""One state for every task a person works on: a reunification task and a review task are
open or closed in the same words (declared once in ``asilo.web.core.tasks``); the stored
values are contracts."""

from __future__ import annotations

from asilo.web.core.tasks import TaskState
from asilo.web.encounters.models import ReunificationTask, TaskStatus
from asilo.web.registrations.models import ReviewTask
from asilo.web.registrations.models import TaskState as ReviewTaskState


def test_both_kinds_of_task_share_one_state() -> None:
    assert TaskStatus is TaskState and ReviewTaskState is TaskState
    assert TaskState.values == ["open", "closed"]
    for field in (ReunificationTask._meta.get_field("status"), ReviewTask._meta.get_field("state")):
        assert list(field.choices or []) == TaskState.choices
        assert field.default == "open"
