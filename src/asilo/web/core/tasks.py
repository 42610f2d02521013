"""The state of a task that a person works on: open until someone closes it.

A reunification task (encounters) and a review task (registrations) are different work, each
with its own ways of closing (``TaskClosing``, ``TaskOutcome``), but they are in one of the
same two states. The stored values are contracts (API fields, filters) and stay as they are.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskState(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
