"""Commands that read the policy catalogue itself: ``asilo policies`` (what is in force on a
date, what changed between two dates, the sources the values rest on) and ``asilo
refugee-ceiling`` (the refugee admissions ceiling of a fiscal year).

Bad input (a date that is not YYYY-MM-DD, a fiscal year or region that does not exist) prints a
message naming the option on stderr and exits with status 2.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer

from asilo.cli.common import fail
from asilo.cli.options import TextOrJson, day_option, parse_day, printed_as_json
from asilo.policy import Catalogue, CeilingQueryError, load_catalogue, refugee_ceiling
from asilo.policy.schema import SOURCE_KINDS
from asilo.policy.sources import source_report

# --- policies ------------------------------------------------------------------------------


def _period_text(start: date, to: date | None) -> str:
    return f"{start} to {to}" if to else f"from {start}"


def policies_command(
    on: Annotated[date | None, day_option("--on", "List what is in force on this date.")] = None,
    between: Annotated[
        tuple[str, str] | None,
        typer.Option("--between", help="List what changed between two dates (inclusive)."),
    ] = None,
    sources: Annotated[
        bool,
        typer.Option(
            "--sources",
            help="Count the gating values by the kind of source they rest on"
            " (primary, secondary, weak) and list those resting only on weak sources.",
        ),
    ] = False,
    output_format: TextOrJson = "text",
) -> None:
    """List the policies in force on a date, what changed between two dates, or their sources."""
    if sum((on is not None, between is not None, sources)) != 1:
        fail("give exactly one of --on DATE, --between A B or --sources")
    catalogue = load_catalogue()
    if sources:
        _policies_sources(catalogue, output_format)
        return
    if on is not None:
        _policies_on(catalogue, on, output_format)
    else:
        assert between is not None
        first, last = parse_day(between[0], "--between"), parse_day(between[1], "--between")
        if last < first:
            fail("--between: the second date is before the first")
        _policies_between(catalogue, first, last, output_format)


def _policies_on(catalogue: Catalogue, day: date, output_format: str) -> None:
    state = catalogue.state_at(day)
    rows: list[dict[str, Any]] = []
    ended: list[dict[str, Any]] = []
    for name in catalogue.names():
        entry = state.get(name)
        if entry.period is None:
            continue
        document = catalogue.documents[name]
        row = {
            "policy": name,
            "title": document.title,
            "from": entry.period.start.isoformat(),
            "to": entry.period.to.isoformat() if entry.period.to else None,
            "value": entry.period.value,
            "citations": [c.model_dump() for c in entry.period.citations],
            "uncertain": entry.period.uncertain,
        }
        (ended if entry.value is None else rows).append(row)
    after = day > catalogue.verified_through
    if printed_as_json(
        output_format,
        {
            "on": day.isoformat(),
            "catalogue_version": catalogue.version,
            "catalogue_verified_through": catalogue.verified_through.isoformat(),
            "after_verified_coverage": after,
            "policies": rows,
            "ended": ended,
        },
    ):
        return
    typer.echo(f"In force on {day} (at 12:00 ET), catalogue {catalogue.version}:")
    if after:
        typer.echo(
            f"NOTICE: the rules have not been verified after {catalogue.verified_through};"
            " this lists the rules last in force."
        )
    for row in rows:
        to = date.fromisoformat(row["to"]) if row["to"] else None
        period = _period_text(date.fromisoformat(row["from"]), to)
        typer.echo(f"- {row['policy']}: {row['title']} [{period}]")
        for cite in row["citations"]:
            typer.echo(f"    {cite['fact']}: {cite['title']}, {cite['section']} <{cite['url']}>")
        if row["uncertain"]:
            typer.echo(f"    uncertain: {row['uncertain']}")
    if ended:
        typer.echo("No longer in force (ended, with the source of the end):")
    for row in ended:
        typer.echo(f"- {row['policy']}: {row['title']} [ended {row['from']}]")
        for cite in row["citations"]:
            typer.echo(f"    {cite['fact']}: {cite['title']}, {cite['section']} <{cite['url']}>")


def _clock_of(value: Any) -> str | None:
    return None if value is None else str(value.strftime("%H:%M"))


def _policies_between(catalogue: Catalogue, first: date, last: date, output_format: str) -> None:
    rows: list[dict[str, Any]] = []
    for change in catalogue.changes_between(first, last):
        document, period = change.document, change.period
        kind = "ends" if change.ends or period.value is None else "starts"
        if change.ends:
            text = f"{document.title}: value in force since {period.start} ends"
        elif period.value is None:
            text = f"{document.title}: no longer in force"
        else:
            text = f"{document.title}: new value from {period.start}"
        rows.append(
            {
                "date": change.day.isoformat(),
                "at": _clock_of(period.until if change.ends else period.at),
                "policy": document.name,
                "change": kind,
                "text": text,
                "citation": period.citations[0].model_dump(),
            }
        )
    if printed_as_json(
        output_format, {"from": first.isoformat(), "to": last.isoformat(), "changes": rows}
    ):
        return
    typer.echo(f"Changes from {first} to {last}:")
    for row in rows:
        at = f" {row['at']} ET" if row["at"] else ""
        typer.echo(f"- {row['date']}{at} {row['policy']} {row['change']}: {row['text']}")
        typer.echo(
            f"    {row['citation']['fact']}: {row['citation']['title']} <{row['citation']['url']}>"
        )


def _policies_sources(catalogue: Catalogue, output_format: str) -> None:
    report = source_report(catalogue)
    if printed_as_json(output_format, report.as_json()):
        return
    counts = report.by_kind()
    typer.echo(
        f"Gating values by the strongest kind of source they rest on"
        f" (catalogue {report.catalogue_version}):"
    )
    for kind in SOURCE_KINDS:
        typer.echo(f"  {kind:<10}{counts[kind]:>5}")
    typer.echo(f"  {'total':<10}{len(report.values):>5}")
    typer.echo("By policy (values: primary / secondary / weak):")
    for row in report.by_policy():
        typer.echo(
            f"  {row['policy']}: {row['values']}"
            f" ({row['primary']} / {row['secondary']} / {row['weak']})"
        )
    weak = report.weak_only()
    if not weak:
        typer.echo("No value rests only on weak sources.")
        return
    typer.echo(f"Values resting only on weak sources ({len(weak)}):")
    for value in weak:
        typer.echo(f"- {value.policy} [{_period_text(value.start, value.to)}]")
        for cite in value.period.citations:
            typer.echo(f"    {cite.fact}: {cite.title} <{cite.url}>")


# --- refugee ceiling -----------------------------------------------------------------------


def refugee_ceiling_command(
    fiscal_year: Annotated[
        str, typer.Argument(metavar="FY", help="Fiscal year, e.g. 2021 or FY2021.")
    ],
    on: Annotated[date | None, day_option("--on", "The ceiling in force on this date.")] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="AF, EA, ECA, LAC, NESA or UR (or its name).")
    ] = None,
    output_format: TextOrJson = "text",
) -> None:
    """Print the refugee admissions ceiling in force for a fiscal year (and region)."""
    digits = fiscal_year.upper().removeprefix("FY")
    if not (digits.isdigit() and len(digits) == 4):
        fail(f"FY: {fiscal_year!r} is not a fiscal year such as 2021 or FY2021")
    try:
        answer = refugee_ceiling(load_catalogue(), int(digits), on=on, region=region)
    except CeilingQueryError as exc:
        fail(str(exc))
    if printed_as_json(output_format, answer):
        return
    typer.echo(
        f"FY{answer.fiscal_year} refugee ceiling on {answer.on}: {answer.total:,}"
        f" ({answer.determination}, in force from {answer.in_force_from})"
    )
    if answer.region is not None:
        typer.echo(f"  {answer.region.group}: {_allocation_text(answer.region)}")
    elif answer.allocations:
        for allocation in answer.allocations:
            typer.echo(f"  {allocation.group}: {_allocation_text(allocation)}")
    if len(answer.history) > 1:
        typer.echo("  revisions: " + "; ".join(f"{d}: {t:,}" for d, t, _ in answer.history))
    cite = answer.citation
    typer.echo(f"  source ({cite.fact}): {cite.title}, {cite.section} <{cite.url}>")
    if answer.uncertain:
        typer.echo(f"  uncertain: {answer.uncertain}")
    if answer.suspension is not None and answer.suspension_citation is not None:
        cite = answer.suspension_citation
        typer.echo(f"  {answer.suspension}")
        typer.echo(f"  source ({cite.fact}): {cite.title}, {cite.section} <{cite.url}>")
    if "after_verified_coverage" in answer.flags:
        typer.echo(f"  NOTICE: not verified after {load_catalogue().verified_through}")


def _allocation_text(allocation: Any) -> str:
    if allocation.kind == "priority_group" and allocation.number is None:
        return "priority group (no number allocated)"
    if allocation.number is not None:
        return f"{allocation.number:,}"
    return f"{allocation.minimum:,} to {allocation.maximum:,}"


#: ``asilo policies`` and ``asilo refugee-ceiling`` (top-level commands, placed by
#: :mod:`asilo.cli.registry`).
commands = typer.Typer()
commands.command("policies")(policies_command)
commands.command("refugee-ceiling")(refugee_ceiling_command)
