"""Commands of the schedule part: ``asilo schedule allocate`` runs the published allocation
method on two CSV files, outside the database (also for planning)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from asilo.cli.common import fail, text_file
from asilo.outputfiles import OutputFileError
from asilo.scheduling import AllocationInputError, InputFileError, MethodError, load_method
from asilo.scheduling.bulk import FileAllocation, allocate_files

schedule_app = typer.Typer(
    help="Fair allocation of appointments at ports of entry (the published method).",
    no_args_is_help=True,
)


def _summary(result: FileAllocation) -> Table:
    table = Table(title="Allocation", title_justify="left")
    table.add_column("port of entry")
    table.add_column("families", justify="right")
    table.add_column("persons", justify="right")
    for port, families, persons in zip(
        result.ports, result.families_by_port, result.persons_by_port, strict=True
    ):
        table.add_row(port, f"{families:,}", f"{persons:,}")
    table.add_row(
        "all ports",
        f"{sum(result.families_by_port):,}",
        f"{sum(result.persons_by_port):,}",
        style="bold",
    )
    table.add_row(
        "unallocated", f"{result.unallocated_families:,}", f"{result.unallocated_persons:,}"
    )
    return table


@schedule_app.command("allocate")
def allocate_command(
    registrations: Path = typer.Option(
        ..., "--registrations", help="REGS.csv: registration_id,family_size,registered_on,..."
    ),
    capacity: Path = typer.Option(..., "--capacity", help="CAP.csv: port,date,capacity"),
    seed: int = typer.Option(..., "--seed", min=0, help="The lottery seed, recorded."),
    out: Path = typer.Option(..., "--out", help="APPOINTMENTS.csv to write (in rank order)."),
    method_file: Path | None = typer.Option(
        None, "--method", help="Method YAML (default: the published fair-2023.1)."
    ),
) -> None:
    """Rank every registration and give each family unit the earliest day at a preferred port
    with room for the whole family. Exit 2, writing nothing, when an input is malformed."""
    try:
        method = load_method(None if method_file is None else text_file(method_file, "--method"))
    except MethodError as exc:
        fail(f"--method: {method_file}: {exc}" if str(method_file) not in str(exc) else str(exc))
    try:
        # Read, checked, ranked and written in bulk; any bad line is named as the line-by-line
        # reader names it (see asilo.scheduling.bulk). The output is written last, only once
        # both inputs are known to be good.
        result = allocate_files(registrations, capacity, method=method, seed=seed, out=out)
    except (InputFileError, MethodError, AllocationInputError, OutputFileError) as exc:
        fail(str(exc))
    console = Console(highlight=False)
    console.print(_summary(result))
    horizon = (
        f"{result.horizon_start.isoformat()} to {result.horizon_end.isoformat()}"
        if result.horizon_start and result.horizon_end
        else "no capacity"
    )
    console.print(
        f"method {result.method_name} version {result.method_version} · seed {result.seed} · "
        f"horizon {horizon}\n"
        f"input digest {result.input_digest}\n"
        f"  registrations {result.registrations_digest}\n"
        f"  capacity      {result.capacity_digest}\n"
        f"wrote {result.rows:,} rows to {out}",
        markup=False,
    )
