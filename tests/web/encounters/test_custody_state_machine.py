"""Under every sequence of book-outs (alone or as a family), exception requests, approvals and
denials, no child is ever in custody without an adult of its family unit and without the
unaccompanied child's legal limit (Hypothesis state machine over the real services and
database; bounded examples)."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from asilo.web.accounts.models import User
from asilo.web.encounters import selectors, services
from asilo.web.encounters.errors import EncounterError
from asilo.web.encounters.models import Custody, ExceptionStatus, FamilyException, Outcome

pytestmark = pytest.mark.django_db

OUTCOMES = st.sampled_from(Outcome.values)
ADULT_RELATIONSHIPS = st.sampled_from(["parent", "legal_guardian", "other_relative"])


def make_machine(officer: User, supervisor: User) -> type[RuleBasedStateMachine]:
    class FamilyCustody(RuleBasedStateMachine):
        custodies = Bundle("custodies")
        exceptions = Bundle("exceptions")

        def __init__(self) -> None:
            super().__init__()
            # Each example runs in its own transaction, rolled back at the end.
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
            self.clock = datetime(2022, 5, 10, 16, 0, tzinfo=UTC)
            self.groups = 0

        def teardown(self) -> None:
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

        def _tick(self) -> datetime:
            self.clock += timedelta(hours=1)
            return self.clock

        @precondition(lambda self: self.groups < 2)
        @rule(
            target=custodies,
            adults=st.lists(ADULT_RELATIONSHIPS, min_size=0, max_size=2),
            children=st.lists(st.integers(min_value=0, max_value=17), min_size=0, max_size=3),
        )
        def record_group(self, adults: list[str], children: list[int]) -> Any:
            people: list[dict[str, Any]] = [
                {"age": 30 + i, "nationality": "HND", "role": "adult", "relationship": rel}
                for i, rel in enumerate(adults)
            ]
            people += [{"age": age, "nationality": "HND", "role": "child"} for age in children]
            if not people:
                people = [{"age": 8, "nationality": "HND", "role": "child"}]
            self.groups += 1
            document = {
                "date": "2022-05-10",
                "time": f"0{self.groups}:00",
                "place": {"kind": "between_ports", "name": "Rio Grande Valley"},
                "people": people,
            }
            encounter = services.encounter_record(actor=officer, document=document).encounter
            services.decision_confirm(actor=officer, encounter_id=encounter.pk)
            ids = list(encounter.custodies.order_by("id").values_list("id", flat=True))
            return ids[0]

        @rule(
            custody=custodies,
            index=st.integers(min_value=0, max_value=4),
            outcome=OUTCOMES,
            family=st.booleans(),
        )
        def book_out(self, custody: int, index: int, outcome: str, family: bool) -> None:
            target = self._member(custody, index)
            with contextlib.suppress(EncounterError):
                services.custody_book_out(
                    actor=officer,
                    custody_id=target,
                    outcome=outcome,
                    at=self._tick(),
                    family=family,
                )

        @rule(
            target=exceptions,
            custody=custodies,
            index=st.integers(min_value=0, max_value=4),
            outcome=OUTCOMES,
        )
        def request_exception(self, custody: int, index: int, outcome: str) -> Any:
            target = self._member(custody, index)
            try:
                exception = services.family_exception_request(
                    actor=officer,
                    custody_id=target,
                    outcome=outcome,
                    reason="A reason long enough to be written down.",
                )
            except EncounterError:
                return 0
            return exception.pk

        @rule(exception=exceptions, approve=st.booleans())
        def decide_exception(self, exception: int, approve: bool) -> None:
            if not FamilyException.objects.filter(
                pk=exception, status=ExceptionStatus.PENDING
            ).exists():
                return
            decide = (
                services.family_exception_approve if approve else services.family_exception_deny
            )
            with contextlib.suppress(EncounterError):
                decide(actor=supervisor, exception_id=exception, note="Decided by the supervisor.")

        @rule(exception=exceptions)
        def leave_under_exception(self, exception: int) -> None:
            row = FamilyException.objects.filter(
                pk=exception, status=ExceptionStatus.APPROVED
            ).first()
            if row is None:
                return
            with contextlib.suppress(EncounterError):
                services.custody_book_out(
                    actor=officer, custody_id=row.custody_id, outcome=row.outcome, at=self._tick()
                )

        def _member(self, custody: int, index: int) -> int:
            encounter_id = Custody.objects.get(pk=custody).encounter_id
            ids = list(
                Custody.objects.filter(encounter_id=encounter_id)
                .order_by("id")
                .values_list("id", flat=True)
            )
            return ids[index % len(ids)]

        @invariant()
        def no_child_is_left_alone(self) -> None:
            assert selectors.children_alone() == []

        @invariant()
        def a_child_is_separated_only_under_an_approved_exception(self) -> None:
            for child in Custody.objects.filter(unaccompanied_since__isnull=False):
                # The last adult of the unit left at that moment, under an approved exception.
                assert Custody.objects.filter(
                    encounter_id=child.encounter_id,
                    booked_out_at=child.unaccompanied_since,
                    family_exception__status=ExceptionStatus.APPROVED,
                ).exists()

    return FamilyCustody


def test_no_sequence_leaves_a_child_alone(officer: User, supervisor: User) -> None:
    machine = make_machine(officer, supervisor)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=20,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
