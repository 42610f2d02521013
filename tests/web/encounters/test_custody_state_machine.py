"""Under every sequence of book-outs (alone or as a family), exception requests, approvals,
denials and departures under an exception, no child is ever in custody without an adult of its
family unit and without the unaccompanied child's legal limit (Hypothesis state machine over the
real services and database).

Bounded: the families are recorded once per test (each example starts from them inside a
savepoint rolled back at its end; one in four records a group of its own making), 60 examples
of at most 10 steps (about a minute on a loaded two-core machine). The run counts what it
reached, and fails if it never approved or denied an exception, never let a member leave under
one, or never re-decided a child left alone: a state machine that only ever collects refusals
proves nothing.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from asilo.web.accounts.models import User
from asilo.web.encounters import selectors, services
from asilo.web.encounters.errors import EncounterError
from asilo.web.encounters.errors import EncounterErrorCode as C
from asilo.web.encounters.models import (
    Custody,
    EncounterPerson,
    ExceptionStatus,
    FamilyException,
    Outcome,
)

pytestmark = pytest.mark.django_db

OUTCOMES = st.sampled_from(Outcome.values)
#: Outcomes an adult may lawfully leave to on their own (the ones an exception asks for).
APART = st.sampled_from([Outcome.TRANSFERRED_ICE, Outcome.RELEASED_NTA, Outcome.TRANSFERRED_ORR])
ADULT_RELATIONSHIPS = st.sampled_from(["parent", "legal_guardian", "other_relative"])
INDEX = st.integers(min_value=0, max_value=5)


def _adult(age: int, relationship: str) -> dict[str, Any]:
    return {"age": age, "nationality": "HND", "role": "adult", "relationship": relationship}


def _child(age: int) -> dict[str, Any]:
    return {"age": age, "nationality": "HND", "role": "child"}


#: The families every example starts with: the issue's (a mother with children of 9 and 4), a
#: father with an aunt, a legal guardian with a baby and a teenager, two parents, a grandmother
#: (an adult who is not a parent), and two siblings alone.
FAMILIES: list[list[dict[str, Any]]] = [
    [_adult(32, "parent"), _child(9), _child(4)],
    [_adult(40, "parent"), _adult(35, "other_relative"), _child(12)],
    [_adult(50, "legal_guardian"), _child(16), _child(1)],
    [_adult(28, "parent"), _adult(29, "parent"), _child(7)],
    [_adult(60, "other_relative"), _child(6)],
    [_child(15), _child(10)],
]


def _record(officer: User, people: list[dict[str, Any]], hour: int) -> int:
    document = {
        "date": "2022-05-10",
        "time": f"{hour:02d}:00",
        "place": {"kind": "between_ports", "name": "Rio Grande Valley"},
        "people": people,
    }
    encounter = services.encounter_record(
        actor=officer, prepared=services.prepare_encounter(document)
    ).encounter
    services.decision_confirm(actor=officer, encounter_id=encounter.pk)
    return encounter.pk


def _state(encounter_id: int) -> list[tuple[Any, ...]]:
    """What a refused action must leave unchanged: every custody of the encounter."""
    return list(
        Custody.objects.filter(encounter_id=encounter_id)
        .order_by("id")
        .values_list(
            "id", "booked_out_at", "outcome", "limit_hours", "due_at", "unaccompanied_since"
        )
    )


def make_machine(
    officer: User, supervisor: User, encounters: list[int], reached: Counter[str]
) -> type[RuleBasedStateMachine]:
    class FamilyCustody(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            # Each example runs in its own savepoint, rolled back at the end.
            self._atomic = transaction.atomic()
            self._atomic.__enter__()
            self.clock = datetime(2022, 5, 10, 16, 0, tzinfo=UTC)
            self.encounters = list(encounters)

        def teardown(self) -> None:
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

        def _tick(self) -> datetime:
            self.clock += timedelta(hours=1)
            return self.clock

        def _member(self, unit: int, index: int) -> tuple[int, int]:
            """A custody of one of the encounters (by indexes): (encounter, custody)."""
            encounter_id = self.encounters[unit % len(self.encounters)]
            ids = list(
                Custody.objects.filter(encounter_id=encounter_id)
                .order_by("id")
                .values_list("id", flat=True)
            )
            return encounter_id, ids[index % len(ids)]

        @initialize(
            gate=st.integers(min_value=0, max_value=3),
            adults=st.lists(ADULT_RELATIONSHIPS, min_size=0, max_size=2),
            children=st.lists(st.integers(min_value=0, max_value=17), min_size=0, max_size=3),
        )
        def record_group(self, gate: int, adults: list[str], children: list[int]) -> None:
            """One example in four also records a group of its own making."""
            if gate != 3:
                return
            people = [_adult(30 + i, rel) for i, rel in enumerate(adults)]
            people += [_child(age) for age in children]
            self.encounters.append(_record(officer, people or [_child(8)], hour=10))
            reached["group recorded"] += 1

        @rule(unit=INDEX, index=INDEX, outcome=OUTCOMES, family=st.booleans())
        def book_out(self, unit: int, index: int, outcome: str, family: bool) -> None:
            encounter_id, target = self._member(unit, index)
            before = _state(encounter_id)
            try:
                services.custody_book_out(
                    actor=officer,
                    custody_id=target,
                    outcome=outcome,
                    at=self._tick(),
                    family=family,
                )
            except EncounterError as exc:
                assert _state(encounter_id) == before, "a refused book-out changed custody"
                reached[f"book-out refused: {exc.code}"] += 1
                if exc.code == C.FAMILY_CHILD_LEFT_ALONE:
                    assert not family
            else:
                reached["family booked out" if family else "member booked out"] += 1

        @rule(unit=INDEX, index=INDEX, outcome=APART)
        def request_exception(self, unit: int, index: int, outcome: str) -> None:
            encounter_id, target = self._member(unit, index)
            before = _state(encounter_id)
            try:
                services.family_exception_request(
                    actor=officer,
                    custody_id=target,
                    outcome=outcome,
                    reason="A reason long enough to be written down.",
                )
            except EncounterError as exc:
                assert _state(encounter_id) == before
                reached[f"request refused: {exc.code}"] += 1
            else:
                reached["exception requested"] += 1

        def _last_adults(self) -> list[int]:
            """The custodies of adults who are the last adult of their unit still held while a
            child of the unit is held (the exceptions that leave a child alone)."""
            members = EncounterPerson.objects.filter(encounter_id__in=self.encounters)
            held = set(
                Custody.objects.filter(
                    encounter_id__in=self.encounters, booked_out_at__isnull=True
                ).values_list("encounter_id", "person_id", "id")
            )
            open_ids = {(e, p): c for e, p, c in held}
            units: dict[tuple[int, int], dict[str, list[int]]] = {}
            for m in members:
                custody = open_ids.get((m.encounter_id, m.person_id))
                if custody is not None:
                    unit = units.setdefault((m.encounter_id, m.unit), {"adult": [], "child": []})
                    unit[m.role].append(custody)
            return sorted(
                u["adult"][0] for u in units.values() if len(u["adult"]) == 1 and u["child"]
            )

        @rule(index=INDEX, outcome=APART)
        def request_exception_for_the_last_adult(self, index: int, outcome: str) -> None:
            adults = self._last_adults()
            if not adults:
                return
            try:
                services.family_exception_request(
                    actor=officer,
                    custody_id=adults[index % len(adults)],
                    outcome=outcome,
                    reason="The last adult must leave: a reason long enough.",
                )
            except EncounterError as exc:
                reached[f"request refused: {exc.code}"] += 1
            else:
                reached["exception requested for the last adult"] += 1

        @precondition(
            lambda self: FamilyException.objects.filter(status=ExceptionStatus.PENDING).exists()
        )
        @rule(index=INDEX, verdict=st.integers(min_value=0, max_value=99))
        def decide_exception(self, index: int, verdict: int) -> None:
            approve = verdict % 3 != 2  # about two approvals for one denial
            pending = list(
                FamilyException.objects.filter(status=ExceptionStatus.PENDING)
                .order_by("id")
                .values_list("id", flat=True)
            )
            exception = pending[index % len(pending)]
            decide = (
                services.family_exception_approve if approve else services.family_exception_deny
            )
            try:
                decide(actor=supervisor, exception_id=exception, note="Decided by the supervisor.")
            except EncounterError as exc:
                reached[f"decision refused: {exc.code}"] += 1
            else:
                reached["exception approved" if approve else "exception denied"] += 1

        @precondition(
            lambda self: FamilyException.objects.filter(
                status=ExceptionStatus.APPROVED, custody__booked_out_at__isnull=True
            ).exists()
        )
        @rule(index=INDEX)
        def leave_under_exception(self, index: int) -> None:
            approved = list(
                FamilyException.objects.filter(
                    status=ExceptionStatus.APPROVED, custody__booked_out_at__isnull=True
                ).order_by("id")
            )
            row = approved[index % len(approved)]
            redecided = Custody.objects.filter(unaccompanied_since__isnull=False).count()
            try:
                services.custody_book_out(
                    actor=officer, custody_id=row.custody_id, outcome=row.outcome, at=self._tick()
                )
            except EncounterError as exc:
                reached[f"departure refused: {exc.code}"] += 1
                return
            reached["left under an exception"] += 1
            if Custody.objects.filter(unaccompanied_since__isnull=False).count() > redecided:
                reached["child re-decided as unaccompanied"] += 1

        @invariant()
        def no_child_is_left_alone(self) -> None:
            assert selectors.children_alone() == []

        @invariant()
        def a_child_is_separated_only_as_the_law_says(self) -> None:
            members = {
                (p.encounter_id, p.person_id): p
                for p in EncounterPerson.objects.filter(encounter_id__in=self.encounters)
            }
            custodies = list(
                Custody.objects.filter(encounter_id__in=self.encounters).select_related(
                    "family_exception"
                )
            )
            left_at = {
                (members[(c.encounter_id, c.person_id)].unit, c.encounter_id, c.booked_out_at)
                for c in custodies
                if c.booked_out_at is not None
                and members[(c.encounter_id, c.person_id)].role == "adult"
            }
            approved_at = {
                (c.encounter_id, c.booked_out_at)
                for c in custodies
                if c.family_exception is not None
                and c.family_exception.status == ExceptionStatus.APPROVED
            }
            adults_in = {(p.encounter_id, p.unit) for p in members.values() if p.role == "adult"}
            for c in custodies:
                member = members[(c.encounter_id, c.person_id)]
                if member.role != "child":
                    continue
                if c.unaccompanied_since is not None:
                    # Re-decided alone: the last adult of the unit left at that moment under an
                    # approved exception, and the child has the unaccompanied child's clock.
                    assert (c.encounter_id, c.unaccompanied_since) in approved_at
                    assert c.limit_hours is not None and 0 < c.limit_hours <= 72
                    assert c.due_at == c.unaccompanied_since + timedelta(hours=c.limit_hours)
                    assert (c.redecision or {}).get("pathway")
                elif (
                    c.booked_out_at is not None
                    and c.family_exception is None
                    and (c.encounter_id, member.unit) in adults_in
                ):
                    # Booked out as a member of the family: with an adult of the unit.
                    assert (member.unit, c.encounter_id, c.booked_out_at) in left_at, (
                        f"custody {c.pk}: a child left without an adult of the unit"
                    )

    return FamilyCustody


def test_no_sequence_leaves_a_child_alone(officer: User, supervisor: User) -> None:
    encounters = [_record(officer, people, hour) for hour, people in enumerate(FAMILIES)]
    reached: Counter[str] = Counter()
    machine = make_machine(officer, supervisor, encounters, reached)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=60,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    # The run explored what matters, not only refusals.
    for what in (
        "family booked out",
        "exception requested",
        "exception approved",
        "exception denied",
        "left under an exception",
        "child re-decided as unaccompanied",
        f"book-out refused: {C.FAMILY_CHILD_LEFT_ALONE}",
    ):
        assert reached[what] > 0, (what, sorted(reached.items()))
