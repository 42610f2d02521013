"""On PostgreSQL: the same submission sent many times at once still makes one registration,
and different families submitted at once are all kept (nothing lost)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from asilo.web.registrations import services
from asilo.web.registrations.models import Registration

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_one_submission_sent_twenty_times_at_once_makes_one_registration(
    family: Callable[..., dict[str, Any]],
    programs: dict[str, Any],
    at_once: Callable[..., list[Any]],
) -> None:
    doc = family()
    results = at_once(
        [
            lambda: services.registration_submit(actor=None, data=doc, source="198.51.100.1")
            for _ in range(20)
        ]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(1 for r in results if r.created) == 1
    assert len({r.registration.pk for r in results}) == 1
    assert Registration.objects.count() == 1


def test_fifty_families_at_once_are_all_registered(
    family: Callable[..., dict[str, Any]],
    programs: dict[str, Any],
    at_once: Callable[..., list[Any]],
) -> None:
    docs = [family(phone=f"+52 664 500 {i:04d}") for i in range(50)]
    results = at_once(
        [
            (lambda d=d: services.registration_submit(actor=None, data=d, source="203.0.113.9"))
            for d in docs
        ]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Registration.objects.count() == 50
    assert len({r.registration.number for r in results}) == 50
