"""The review queue's pages: supervisors only (a refusal is audited), the pair side by side
(the view audited), decisions and their reversal through the forms, bad input refused."""

from __future__ import annotations

from typing import Any

import pytest

from asilo.web.audit.models import AuditEntry
from asilo.web.identity import services
from asilo.web.identity.models import PairStatus, ReviewPair, RunTrigger

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(record: Any, officer: Any) -> ReviewPair:
    record(officer, "2022-04-12", given_names="Luis Alberto", first_surname="Ramírez",
           second_surname="Flores", date_of_birth="1979-11-30", sex="male",
           nationality="MEX")  # fmt: skip
    record(officer, "2022-05-10", given_names="Luis A.", first_surname="Ramírez",
           date_of_birth="1979-11-30", sex="male", nationality="MEX")  # fmt: skip
    services.identity_run(actor=None, trigger=RunTrigger.COMMAND)
    return ReviewPair.objects.get(status=PairStatus.OPEN)


def test_an_officer_is_refused_and_the_refusal_audited(
    pair: ReviewPair, officer: Any, client_as: Any
) -> None:
    client = client_as(officer)
    assert client.get("/identity/review/").status_code == 403
    assert client.get(f"/identity/review/{pair.pk}/").status_code == 403
    decided = client.post(f"/identity/review/{pair.pk}/decide/", {"decision": "same"})
    assert decided.status_code == 403
    pair.refresh_from_db()
    assert pair.status == PairStatus.OPEN
    assert (
        AuditEntry.objects.filter(action="refused", object_type="identity.reviewpair").count() >= 3
    )


def test_a_supervisor_decides_and_undoes_through_the_pages(
    pair: ReviewPair, supervisor: Any, client_as: Any
) -> None:
    client = client_as(supervisor)
    queue = client.get("/identity/review/").content.decode()
    assert f"/identity/review/{pair.pk}/" in queue
    assert "Luis" not in queue  # the queue shows no name; one pair at a time does
    page = client.get(f"/identity/review/{pair.pk}/").content.decode()
    assert "Luis Alberto" in page and "Luis A." in page
    views = AuditEntry.objects.filter(
        action="view", object_type="identity.reviewpair", object_id=str(pair.pk)
    )
    assert views.count() == 1
    bad = client.post(f"/identity/review/{pair.pk}/decide/", {"decision": "perhaps"})
    assert bad.status_code == 400
    assert "The decision must be one of" in bad.content.decode()
    pair.refresh_from_db()
    assert pair.status == PairStatus.OPEN
    done = client.post(f"/identity/review/{pair.pk}/decide/", {"decision": "different"})
    assert done.status_code == 302
    pair.refresh_from_db()
    assert pair.status == PairStatus.DIFFERENT and pair.decided_by == supervisor
    again = client.post(f"/identity/review/{pair.pk}/decide/", {"decision": "same"})
    assert again.status_code == 409
    undone = client.post(f"/identity/review/{pair.pk}/undo/")
    assert undone.status_code == 302
    pair.refresh_from_db()
    assert pair.status == PairStatus.OPEN and pair.decided_at is None
    assert client.get("/identity/review/999999/").status_code == 404


def test_the_queue_in_spanish(pair: ReviewPair, supervisor: Any, client_as: Any) -> None:
    client = client_as(supervisor)
    client.cookies["django_language"] = "es"
    page = client.get("/identity/review/").content.decode()
    assert "¿Misma persona? Pares por revisar" in page
    assert "Persona encontrada" in page
    detail = client.get(f"/identity/review/{pair.pk}/").content.decode()
    assert "Misma persona" in detail and "Personas distintas" in detail
    assert "Masculino" in detail
