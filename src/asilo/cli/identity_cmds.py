"""``asilo identity``: link records into identities, evaluate, train, and make a synthetic set.

The work is done by :mod:`asilo.linkage`; these commands parse options and print.
"""

from __future__ import annotations

import sys
import tempfile
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from asilo.cli.common import err, fail, out, say, text_files

identity_app = typer.Typer(
    help="Identity resolution: one person across encounters and registrations (Splink).",
    no_args_is_help=True,
)


#: ``--model``: the trained model that ``link`` and ``evaluate`` use.
ModelFile = Annotated[
    Path | None,
    typer.Option("--model", help="Trained model JSON (default: the repository's model)."),
]


class BackendChoice(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


@identity_app.command("link")
def link_cmd(
    records: Annotated[Path, typer.Option("--records", help="R.csv: records to link.")],
    out_path: Annotated[Path, typer.Option("--out", help="C.csv to write.")],
    backend: Annotated[
        BackendChoice, typer.Option("--backend", help="duckdb (in process) or spark (local).")
    ] = BackendChoice.duckdb,
    model_path: ModelFile = None,
    review_out: Annotated[
        Path | None,
        typer.Option(
            "--review-out",
            help="Also write the pairs between the two thresholds (for human review).",
        ),
    ] = None,
) -> None:
    """Link records into identities: one row per record in C.csv
    (record_id,identity_id,match_probability)."""
    from asilo.linkage import engine
    from asilo.linkage.records import RecordFileError
    from asilo.outputfiles import OutputFileError

    text_files(("--records", records), ("--model", model_path))
    started = time.perf_counter()
    try:
        result = engine.link(
            records, out_path, backend=backend.value, model_path=model_path, review_out=review_out
        )
    except (RecordFileError, ValueError, OutputFileError) as exc:
        fail(str(exc))
    elapsed = time.perf_counter() - started
    compared = (
        ""
        if result.compared_pairs is None
        else f", {result.compared_pairs} pairs compared "
        f"({result.compared_pairs / max(result.records, 1):.1f} per record)"
    )
    say(
        f"{result.records} records, {result.identities} identities, "
        f"{result.review_pairs} pairs for review{compared} ({backend.value}, {elapsed:.1f} s)",
        err,
    )


@identity_app.command("evaluate")
def evaluate_cmd(
    truth: Annotated[
        Path, typer.Option("--truth", help="T.csv: record_id,true_identity_id[,corruption_kinds].")
    ],
    clusters: Annotated[
        Path | None,
        typer.Option("--clusters", help="C.csv of an earlier link (default: link now, DuckDB)."),
    ] = None,
    records: Annotated[
        Path | None,
        typer.Option("--records", help="R.csv: the records to link (not needed with --clusters)."),
    ] = None,
    model_path: ModelFile = None,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")] = False,
) -> None:
    """Pairwise precision, recall and F1 of the links, overall and by corruption kind: of an
    earlier link (--clusters C.csv), or of linking --records R.csv now."""
    from asilo.linkage import engine, evaluation
    from asilo.linkage.records import RecordFileError

    text_files(
        ("--records", records),
        ("--truth", truth),
        ("--clusters", clusters),
        ("--model", model_path),
    )
    try:
        if clusters is not None:
            scores = evaluation.evaluate(clusters, truth)
        elif records is None:
            fail("--records: give R.csv to link now, or --clusters C.csv of an earlier link")
        else:
            with tempfile.TemporaryDirectory(prefix="asilo-evaluate-") as tmp:
                linked = Path(tmp) / "clusters.csv"
                engine.link(records, linked, model_path=model_path)
                scores = evaluation.evaluate(linked, truth)
    except (RecordFileError, ValueError) as exc:
        fail(str(exc))
    if as_csv:
        sys.stdout.write("kind,true_pairs,predicted_pairs,precision,recall,f1\n")
        for s in scores:
            sys.stdout.write(
                f"{s.kind},{s.recall_true_pairs},{s.precision_predicted},"
                f"{s.precision:.4f},{s.recall:.4f},{s.f1:.4f}\n"
            )
        return
    table = Table(title="Pairwise links against the truth")
    for col in ("corruption kind", "true pairs", "predicted pairs", "precision", "recall", "F1"):
        table.add_column(col, justify="left" if col == "corruption kind" else "right")
    for s in scores:
        table.add_row(
            "all records" if s.kind == "all" else s.kind,
            f"{s.recall_true_pairs:,}",
            f"{s.precision_predicted:,}",
            f"{s.precision:.4f}",
            f"{s.recall:.4f}",
            f"{s.f1:.4f}",
        )
    out.print(table)


@identity_app.command("train")
def train_cmd(
    records: Annotated[
        Path | None,
        typer.Option("--records", help="R.csv to train on (default: a synthetic population)."),
    ] = None,
    out_path: Annotated[
        Path | None,
        typer.Option("--out", help="Model JSON to write (default: the repository's model)."),
    ] = None,
    n: Annotated[int, typer.Option("--n", help="Synthetic records when no --records.")] = 200_000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the synthetic population.")] = 7,
    max_pairs: Annotated[
        float, typer.Option("--max-pairs", help="Pairs sampled to estimate u.")
    ] = 5e6,
) -> None:
    """Refit the model: u by random sampling, m by EM over several blocking passes."""
    from asilo.linkage import engine, model, synth
    from asilo.linkage.records import RecordFileError
    from asilo.outputfiles import OutputFileError, check_target

    target = out_path or model.DEFAULT_MODEL
    text_files(("--records", records))
    try:
        check_target(target)  # before the training, which takes minutes
        if records is None:
            with tempfile.TemporaryDirectory(prefix="asilo-train-") as tmp:
                path = Path(tmp) / "records.csv"
                synth.write(synth.generate(n, seed), path, None)
                params = engine.train(
                    path,
                    seed=seed,
                    max_pairs=max_pairs,
                    trained_on={"population": f"asilo identity synth --n {n} --seed {seed}"},
                )
        else:
            params = engine.train(
                records, seed=seed, max_pairs=max_pairs, trained_on={"population": records.name}
            )
        params.save(target)
    except (RecordFileError, ValueError, OutputFileError) as exc:
        fail(str(exc))
    say(f"model written to {target}", err)


@identity_app.command("synth")
def synth_cmd(
    n: Annotated[int, typer.Option("--n", help="Number of records.", min=1)],
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")],
    out_path: Annotated[Path, typer.Option("--out", help="R.csv to write.")],
    truth: Annotated[
        Path | None, typer.Option("--truth", help="T.csv (ground truth) to write.")
    ] = None,
) -> None:
    """Write a seeded synthetic population of border records (and its ground truth)."""
    from asilo.linkage import synth
    from asilo.outputfiles import OutputFileError

    records = synth.generate(n, seed)
    try:
        synth.write(records, out_path, truth)
    except OutputFileError as exc:
        fail(str(exc))
    identities = len({r.true_identity_id for r in records})
    say(
        f"{len(records)} records of {identities} people written to {out_path}",
        err,
    )
