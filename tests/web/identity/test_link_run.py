"""The linkage job over people and registrations, and the supervisors' review of pairs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from asilo.linkage import memory
from asilo.web.audit.models import AuditEntry
from asilo.web.identity import selectors, services
from asilo.web.identity.models import (
    Identity,
    IdentityRecord,
    LinkRun,
    PairStatus,
    ReviewDecision,
    ReviewPair,
    RunStatus,
    RunTrigger,
)

pytestmark = pytest.mark.django_db


def people(record: Any, officer: Any) -> None:
    record(officer, "2022-05-01", given_names="Yesenia", first_surname="Mejía",
           second_surname="Orellana", date_of_birth="1991-04-02")  # fmt: skip
    record(officer, "2022-05-20", given_names="Yesenia", first_surname="Mejia",
           second_surname="Orellana", date_of_birth="1991-04-02")  # fmt: skip
    record(officer, "2022-06-02", given_names="Rosa", first_surname="Cruz",
           second_surname="Reyes", date_of_birth="1980-12-24")  # fmt: skip


def test_the_run_links_people_and_stores_each_identity(record: Any, officer: Any) -> None:
    people(record, officer)
    run = services.identity_run(actor=None, trigger=RunTrigger.COMMAND)
    assert run.status == RunStatus.DONE
    assert run.records == 3
    assert run.identities == 2
    recs = list(IdentityRecord.objects.order_by("person_id"))
    assert len(recs) == 3
    assert recs[0].identity_id == recs[1].identity_id != recs[2].identity_id
    assert recs[1].match_probability >= 0.99
    assert recs[2].match_probability == 1.0
    # Audited: the start and the end, with counts and no name.
    entries = AuditEntry.objects.filter(object_type="identity.linkrun", object_id=str(run.pk))
    assert [e.after.get("status") for e in entries.order_by("id")] == [None, "done"]
    assert "Mej" not in str([e.after for e in entries])
    # A second run keeps the identity ids.
    before = {r.person_id: r.identity_id for r in recs}
    services.identity_run(actor=None, trigger=RunTrigger.COMMAND)
    assert {r.person_id: r.identity_id for r in IdentityRecord.objects.all()} == before


def test_the_run_writes_no_file(
    record: Any, officer: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    """No name reaches the disk: the records live in an in-memory DuckDB database that may
    not spill (its temporary directory is empty), and the working directory stays empty."""
    people(record, officer)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    services.identity_run(actor=None, trigger=RunTrigger.COMMAND)
    assert list(tmp_path.iterdir()) == []
    con = memory.connect()
    setting = con.execute("select current_setting('temp_directory')").fetchall()[0][0]
    assert setting == ""
    assert isinstance(con, duckdb.DuckDBPyConnection)


def test_a_running_run_refuses_a_second(record: Any, officer: Any) -> None:
    from asilo.web.identity.errors import IdentityError

    LinkRun.objects.create(trigger="task", same_identity_threshold=0.99, review_threshold=0.5)
    with pytest.raises(IdentityError) as refused:
        services.identity_run(actor=None, trigger=RunTrigger.COMMAND)
    assert refused.value.code == "link_run_in_progress"


def test_an_officer_may_not_run_it(record: Any, officer: Any) -> None:
    from asilo.web.core.errors import DomainError

    with pytest.raises(DomainError):
        services.identity_run(actor=officer, trigger=RunTrigger.TASK)
    assert not LinkRun.objects.exists()


def _borderline(record: Any, officer: Any) -> ReviewPair:
    """Two records alike but not enough to be sure: a pair for review."""
    a = record(officer, "2022-05-01", given_names="Luis Alberto", first_surname="Ramírez",
               second_surname="Flores", date_of_birth="1979-11-30", sex="male",
               nationality="MEX")  # fmt: skip
    b = record(officer, "2022-05-08", given_names="Luis A.", first_surname="Ramírez",
               date_of_birth="1979-11-30", sex="male", nationality="MEX")  # fmt: skip
    assert a != b
    services.identity_run(actor=None, trigger=RunTrigger.COMMAND)
    # Only the Luis pair (no other record is alike), whatever the blocking finds.
    pair = next(
        (
            p
            for p in ReviewPair.objects.filter(status=PairStatus.OPEN)
            if p.left.person is not None
            and p.right.person is not None
            and {p.left.person.given_names, p.right.person.given_names}
            == {"Luis Alberto", "Luis A."}
        ),
        None,
    )
    assert pair is not None, "expected a borderline pair"
    return pair


def test_review_same_person_then_undo(record: Any, officer: Any, supervisor: Any) -> None:
    pair = _borderline(record, officer)
    left, right = pair.left, pair.right
    assert left.identity_id != right.identity_id
    view = selectors.review_pair_view(actor=supervisor, pair_id=pair.pk)
    assert view.left.given_names == "Luis Alberto"
    assert AuditEntry.objects.filter(
        object_type="identity.reviewpair", object_id=str(pair.pk), action="view"
    ).exists()
    services.review_decide(actor=supervisor, pair_id=pair.pk, decision="same")
    left.refresh_from_db()
    right.refresh_from_db()
    assert left.identity_id == right.identity_id
    # A later run keeps the decision.
    services.identity_run(actor=None, trigger=RunTrigger.COMMAND)
    left.refresh_from_db()
    right.refresh_from_db()
    assert left.identity_id == right.identity_id
    services.review_undo(actor=supervisor, pair_id=pair.pk)
    pair.refresh_from_db()
    assert pair.status == PairStatus.OPEN
    assert [d.decision for d in ReviewDecision.objects.filter(pair=pair)] == ["same", "undone"]
    assert AuditEntry.objects.filter(
        object_type="identity.reviewpair", object_id=str(pair.pk), action="review"
    ).exists()


def test_review_different_people_and_labels(
    record: Any, officer: Any, supervisor: Any, tmp_path: Path
) -> None:
    pair = _borderline(record, officer)
    services.review_decide(actor=supervisor, pair_id=pair.pk, decision="different")
    labels = selectors.review_labels()
    assert labels.decided_pairs == 1
    truths = dict(labels.truth)
    assert len(truths) == 2 and len(set(truths.values())) == 2
    from asilo.cli.main import app

    out = CliRunner().invoke(
        app,
        ["identity", "labels", "--truth", str(tmp_path / "T.csv"), "--clusters",
         str(tmp_path / "C.csv")],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    text = (tmp_path / "T.csv").read_text()
    assert text.splitlines()[0] == "record_id,true_identity_id"
    assert "Ram" not in text and "Ram" not in (tmp_path / "C.csv").read_text()
    # asilo identity evaluate reads them: the model kept the two apart, as decided.
    scored = CliRunner().invoke(
        app,
        ["identity", "evaluate", "--records", str(tmp_path / "T.csv"), "--clusters",
         str(tmp_path / "C.csv"), "--truth", str(tmp_path / "T.csv"), "--csv"],
    )  # fmt: skip
    assert scored.exit_code == 0, scored.output
    assert scored.output.splitlines()[1].startswith("all,0,0,")


def test_decisions_are_checked(record: Any, officer: Any, supervisor: Any) -> None:
    from asilo.web.core.errors import DomainError

    pair = _borderline(record, officer)
    with pytest.raises(DomainError) as bad:
        services.review_decide(actor=supervisor, pair_id=pair.pk, decision="maybe")
    assert bad.value.code == "review_decision_invalid"
    with pytest.raises(DomainError):
        services.review_decide(actor=officer, pair_id=pair.pk, decision="same")
    services.review_decide(actor=supervisor, pair_id=pair.pk, decision="different")
    with pytest.raises(DomainError) as twice:
        services.review_decide(actor=supervisor, pair_id=pair.pk, decision="same")
    assert twice.value.code == "review_pair_already_decided"
    assert Identity.objects.count() >= 2


def test_the_command_runs_the_linkage(record: Any, officer: Any) -> None:
    from asilo.cli.main import app

    people(record, officer)
    out = CliRunner().invoke(app, ["identity", "run"])
    assert out.exit_code == 0, out.output
    assert "3 records, 2 identities" in out.output
    assert LinkRun.objects.get().trigger == RunTrigger.COMMAND
    # A second run while one is running is refused with a clear message and exit 2.
    LinkRun.objects.create(trigger="task", same_identity_threshold=0.99, review_threshold=0.5)
    refused = CliRunner().invoke(app, ["identity", "run"])
    assert refused.exit_code == 2
    assert "already in progress" in refused.output


def test_labels_have_a_new_files_permissions_and_need_an_existing_folder(
    record: Any, officer: Any, supervisor: Any, tmp_path: Path
) -> None:
    """Defects: T.csv and C.csv were left 0600 (the temporary file's mode) whatever the umask,
    unlike every other file asilo writes; and a missing folder was created."""
    import os
    import stat

    from asilo.cli.main import app

    pair = _borderline(record, officer)
    services.review_decide(actor=supervisor, pair_id=pair.pk, decision="same")
    truth, clusters = tmp_path / "T.csv", tmp_path / "C.csv"
    before = os.umask(0o022)
    try:
        done = CliRunner().invoke(
            app, ["identity", "labels", "--truth", str(truth), "--clusters", str(clusters)]
        )
    finally:
        os.umask(before)
    assert done.exit_code == 0, done.output
    assert stat.S_IMODE(truth.stat().st_mode) == 0o644
    assert stat.S_IMODE(clusters.stat().st_mode) == 0o644
    nowhere = tmp_path / "nowhere"
    refused = CliRunner().invoke(
        app, ["identity", "labels", "--truth", str(tmp_path / "T2.csv"), "--clusters",
              str(nowhere / "C.csv")],
    )  # fmt: skip
    assert refused.exit_code == 2
    assert f"the folder {nowhere} does not exist" in refused.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["C.csv", "T.csv"]
