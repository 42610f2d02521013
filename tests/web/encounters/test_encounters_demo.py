"""The demo day: created through the services, deterministic, idempotent."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

from django.utils import timezone

from asilo.web.accounts.demo import demo_staff
from asilo.web.audit.models import AuditAction, AuditEntry
from asilo.web.encounters import demo, selectors
from asilo.web.encounters.models import (
    Custody,
    Encounter,
    EncounterStatus,
    FamilyException,
    Override,
    ReunificationTask,
)
from asilo.web.people.models import Person


def test_demo_day_has_what_the_issue_asks_for(db: None) -> None:
    now = timezone.now()
    summary = demo.load(now=now)
    assert summary.encounters == summary.created == len(demo.SPECS) == 16
    encounters = Encounter.objects.all()
    assert Counter(encounters.values_list("place_name", flat=True)) == {
        "Rio Grande Valley": 7,
        "El Paso": 4,
        "San Ysidro": 3,
        "Hidalgo": 2,
    }
    demographics = Counter(encounters.values_list("decision__demographic", flat=True))
    assert demographics["family_unit"] >= 4
    assert demographics["single_adult"] >= 4
    assert demographics["unaccompanied_child"] >= 3
    # A group that is not one family unit in law: the aunt and her niece.
    split = Encounter.objects.get(client_request_id="demo-rgv-07")
    assert sorted(split.participants.values_list("demographic", flat=True)) == [
        "single_adult",
        "unaccompanied_child",
    ]
    override = Override.objects.get()
    assert override.reviewed_at is None and override.pathway == "processing"
    assert ReunificationTask.objects.filter(status="open").count() == 1
    assert FamilyException.objects.get().status == "approved"
    # A historical replay keeps its historical clocks: from each encounter on 2022-05-10, read
    # as of 2022-05-13 04:00 Central time.
    assert all(c.booked_in_at.date().isoformat() == "2022-05-10" for c in Custody.objects.all())
    overdue = list(selectors.custodies_overdue(now=demo.AS_OF))
    assert [c.encounter.client_request_id for c in overdue] == ["demo-rgv-03"]
    assert overdue[0].due_at == demo.AS_OF - timedelta(minutes=20)
    near = list(selectors.custodies_near_due(now=demo.AS_OF, within_hours=12))
    assert "demo-rgv-04" in [c.encounter.client_request_id for c in near]
    assert summary.overdue == 1
    assert Encounter.objects.filter(status=EncounterStatus.DECIDED).count() == 1
    assert Custody.objects.filter(booked_out_at__isnull=False).exists()
    assert selectors.children_alone() == []
    assert not selectors.custody_list(actor=demo_staff(demo.OFFICER, "officer"), now=now)
    decide_entries = AuditEntry.objects.filter(action=AuditAction.DECIDE)
    assert decide_entries.count() == 16
    assert all(e.catalogue_version for e in decide_entries)


def test_demo_is_idempotent_and_deterministic(db: None) -> None:
    first = demo.load()
    state = (
        Encounter.objects.count(),
        Person.objects.count(),
        Custody.objects.filter(booked_out_at__isnull=True).count(),
        AuditEntry.objects.exclude(action=AuditAction.VIEW).count(),
    )
    names = sorted(p.full_name for p in Person.objects.all())
    again = demo.load(now=timezone.now() + timedelta(minutes=5))
    assert again.created == 0 and first.created == 16
    assert (
        Encounter.objects.count(),
        Person.objects.count(),
        Custody.objects.filter(booked_out_at__isnull=True).count(),
        AuditEntry.objects.exclude(action=AuditAction.VIEW).count(),
    ) == state
    assert sorted(p.full_name for p in Person.objects.all()) == names
    first_docs = [demo.document(s, random.Random(20220510)) for s in demo.SPECS[:1]]
    assert first_docs == [demo.document(demo.SPECS[0], random.Random(20220510))]
    given = {p.given_names for p in Person.objects.all()}
    assert given <= set(demo.GIVEN_F) | set(demo.GIVEN_M)
