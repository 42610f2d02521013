"""Fixtures of the registrations tests: the two programs, families, submissions."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from registration_helpers import FAMILY, at, confirm_contact

from asilo.web.registrations import services
from asilo.web.registrations.models import Program
from asilo.web.registrations.programs import ensure_default_programs


@pytest.fixture
def family() -> Callable[..., dict[str, Any]]:
    """``family(**changes)``: a fresh family document with a new client request id."""

    def make(**changes: Any) -> dict[str, Any]:
        doc = copy.deepcopy(FAMILY)
        doc["client_request_id"] = str(uuid.uuid4())
        doc.update(changes)
        return doc

    return make


@pytest.fixture
def programs(db: None) -> dict[str, Program]:
    ensure_default_programs()
    return {p.code: p for p in Program.objects.all()}


@pytest.fixture
def submit(programs: dict[str, Program]) -> Callable[..., services.Submission]:
    """``submit(doc, actor=None, now=at(...), source="10.0.0.1")`` through the service."""

    def run(
        doc: dict[str, Any],
        *,
        actor: Any = None,
        now: datetime | None = None,
        source: str = "192.0.2.10",
        verify: bool = True,
    ) -> services.Submission:
        """``verify``: a self-service family types back the code sent to its contact, as it
        must before it joins the queue (issue 11); ``verify=False`` leaves it waiting for it."""
        when = now or at("2023-06-01 10:00")
        submission = services.registration_submit(actor=actor, data=doc, source=source, now=when)
        if verify and submission.created:
            confirm_contact(submission.registration, now=when)
        return submission

    return run
