"""``asilo identity run`` (the linkage job over the application's people and registrations)
and ``asilo identity labels`` (supervisors' decisions as files for ``asilo identity
evaluate``). They join the ``identity`` group beside :mod:`asilo.cli.identity_cmds`
(:mod:`asilo.cli.registry`).

Examples::

    asilo identity run
    asilo identity labels --truth T.csv --clusters C.csv
    asilo identity evaluate --clusters C.csv --truth T.csv
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer

from asilo.cli.common import fail, setup_django
from asilo.csvsafe import safe_row
from asilo.outputfiles import OutputFileError, check_target, replacing


def run() -> None:
    """Link every person and registered family member into identities (in memory: no name
    is written to disk) and store each one's identity and the pairs for review."""
    setup_django()
    from asilo.web.core.errors import DomainError
    from asilo.web.identity import services
    from asilo.web.identity.models import RunTrigger

    try:
        done = services.identity_run(actor=None, trigger=RunTrigger.COMMAND)
    except DomainError as exc:
        fail(exc.message)
    typer.echo(
        f"run #{done.pk}: {done.records} records, {done.identities} identities, "
        f"{done.review_pairs} pairs awaiting review ({done.seconds:.1f} s)"
    )


def _write_csv(path: Path, header: list[str], rows: list[tuple[object, ...]]) -> None:
    with replacing(path) as temporary, temporary.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(safe_row(r) for r in rows)


def labels(
    truth: Annotated[
        Path, typer.Option("--truth", help="T.csv to write: record_id,true_identity_id.")
    ],
    clusters: Annotated[
        Path | None,
        typer.Option(
            "--clusters",
            help="C.csv to write: the linkage's identities of the same records before review.",
        ),
    ] = None,
) -> None:
    """Supervisors' decisions as labels: T.csv (records called the same person share a true
    identity) and, for `asilo identity evaluate --clusters`, the linkage's identities of those
    records as they were before any decision. Record ids only (P<person>, M<member>)."""
    for path in (truth, clusters):
        if path is not None:
            try:
                check_target(path)
            except OutputFileError as exc:
                fail(str(exc))
    setup_django()
    from asilo.web.audit.models import AuditAction
    from asilo.web.audit.services import audit_record
    from asilo.web.identity.common import PAIR
    from asilo.web.identity.selectors import review_labels

    found = review_labels()
    try:
        _write_csv(truth, ["record_id", "true_identity_id"], list(found.truth))
        if clusters is not None:
            _write_csv(
                clusters, ["record_id", "identity_id", "match_probability"], list(found.clusters)
            )
    except OutputFileError as exc:
        fail(str(exc))
    audit_record(
        actor=None,
        action=AuditAction.EXPORT,
        object_type=PAIR,
        after={"decided_pairs": found.decided_pairs, "records": len(found.truth)},
        note="review labels exported",
    )
    typer.echo(f"{found.decided_pairs} decided pairs, {len(found.truth)} records labelled")


#: ``asilo identity run|labels`` (they join the ``identity`` group of
#: :mod:`asilo.cli.identity_cmds` in :mod:`asilo.cli.registry`).
identity_app = typer.Typer()
identity_app.command("run")(run)
identity_app.command("labels")(labels)
