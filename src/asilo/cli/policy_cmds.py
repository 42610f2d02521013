"""Commands of the policy part: decide, eligibility, policies, refugee-ceiling, replay.

Bad input (a missing or malformed field, an unknown nationality or place, a date outside the
catalogue) prints a message naming the field on stderr and exits with status 2; no decision is
printed.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from asilo.cli.common import fail, read_text, text_file
from asilo.policy import (
    Catalogue,
    CatalogueError,
    CeilingQueryError,
    Decision,
    Encounter,
    EncounterInputError,
    Scenario,
    decide,
    lawful_pathways,
    load_catalogue,
    load_scenario,
    mpp_wind_down,
    parse_encounter,
    refugee_ceiling,
    replay,
)
from asilo.policy.decision import Reason
from asilo.policy.eligibility import Eligibility, LawfulPathwaysAnswer
from asilo.policy.lines import LineAnswers, json_lines
from asilo.policy.schema import SOURCE_KINDS
from asilo.policy.sources import source_report

FormatOption = Annotated[
    str, typer.Option("--format", help="'json' for machine-readable output, 'text' to read.")
]


def _check_format(value: str) -> str:
    if value not in ("json", "text"):
        fail(f"--format: {value!r} is not 'json' or 'text'")
    return value


def _parse_day(option: str, value: str) -> date:
    try:
        if len(value) != 10:
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is not a date (YYYY-MM-DD)")


def _catalogue(scenario_path: Path | None) -> tuple[Catalogue, Scenario | None]:
    try:
        catalogue = load_catalogue()
        scenario = (
            None if scenario_path is None else load_scenario(text_file(scenario_path, "--scenario"))
        )
        if scenario is not None:
            scenario.apply(catalogue)
    except CatalogueError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"--scenario: {exc}")
    return catalogue, scenario


def _read_text(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    return read_text(Path(source), "FILE")


def _encounter_from_json(
    text: str,
    where: str,
    catalogue: Catalogue,
    *,
    require_place: bool = True,
    future: bool = False,
) -> Encounter:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EncounterInputError(
            [(where, f"not valid JSON ({exc.msg}, column {exc.colno})")]
        ) from None
    return parse_encounter(
        document, catalogue=catalogue, require_place=require_place, future=future
    )


def _one_encounter(
    source: str, catalogue: Catalogue, *, require_place: bool = True, future: bool = False
) -> Encounter:
    try:
        return _encounter_from_json(
            _read_text(source), "(document)", catalogue, require_place=require_place, future=future
        )
    except EncounterInputError as exc:
        fail(f"{'stdin' if source == '-' else source}: {exc}")


def _json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


# --- decide --------------------------------------------------------------------------------


def _reason_lines(reasons: tuple[Reason, ...], indent: str = "  ") -> Iterator[str]:
    for number, why in enumerate(reasons, 1):
        cite = why.citation
        yield f"{indent}{number}. [{why.rule}] {why.text}"
        yield f"{indent}   es: {why.text_es}"
        yield f"{indent}   source ({cite.fact}): {cite.title}, {cite.section} <{cite.url}>"


def render_decision(decision: Decision, encounter: Encounter) -> str:
    """A readable explanation of a decision."""
    dest = f" -> {decision.destination}" if decision.destination else ""
    custody = decision.custody_limit_hours
    place = encounter.place_of_encounter()
    lines = [
        f"Encounter on {encounter.date}"
        + (f" at {encounter.time:%H:%M} ET" if encounter.time else "")
        + f", {place.name} ({place.kind.replace('_', ' ')})",
        f"  authority:      {decision.authority}",
        f"  pathway:        {decision.pathway}{dest}",
        f"  demographic:    {decision.demographic}",
        f"  custody limit:  {f'{custody} hours' if custody is not None else 'none'}",
    ]
    if decision.custody_standard_hours is not None:
        lines.append(f"  custody standard: {decision.custody_standard_hours} hours (TEDS 1.8)")
    lines.append(f"  flags:          {', '.join(decision.flags) or 'none'}")
    if "after_verified_coverage" in decision.flags:
        lines.insert(
            1,
            "  NOTICE: the rules have not been verified after"
            f" {decision.catalogue_verified_through}; this date is decided by the rules last in"
            " force.",
        )
    if decision.options:
        lines.append("  options left to the officer:")
        for option in decision.options:
            to = f" -> {option.destination}" if option.destination else ""
            lines.append(f"    - {option.authority} {option.pathway}{to}: {option.reason.text}")
    if decision.members:
        lines.append("  members (the group is not one family unit):")
        for member in decision.members:
            to = f" -> {member.destination}" if member.destination else ""
            lines.append(
                f"    - people[{member.person}] {member.demographic}: {member.authority}"
                f" {member.pathway}{to}"
            )
    lines.append("Reasons:")
    lines.extend(_reason_lines(decision.reasons))
    lines.append(
        f"Catalogue {decision.catalogue_version}"
        + (f", scenario {decision.scenario}" if decision.scenario else "")
    )
    return "\n".join(lines)


def _batch_encounters(path: Path, catalogue: Catalogue, *, future: bool = False) -> list[Encounter]:
    lines = read_text(path, "--encounters").splitlines()
    encounters: list[Encounter] = []
    problems: list[str] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            encounters.append(_encounter_from_json(line, "(line)", catalogue, future=future))
        except EncounterInputError as exc:
            problems.append(f"{path}:{number}: {exc}")
    if problems:
        fail(
            "\n".join(problems[:20])
            + (f"\n... and {len(problems) - 20} more" if len(problems) > 20 else "")
        )
    return encounters


def _decide_batch(path: Path, catalogue: Catalogue, scenario: Scenario | None) -> None:
    """One decision per line, in bulk (:class:`asilo.policy.lines.LineAnswers`): the file is
    read a few megabytes at a time, each line parsed with orjson and keyed; lines with a known
    key take its answer. Every line is checked before anything is written: a bad line exits 2
    with no output, naming the line. Only each line's answer number is held meanwhile; the
    output is then written a thousand lines at a time."""
    future = scenario is not None
    answers = LineAnswers(
        catalogue,
        scenario=scenario,
        parse_text=lambda text: _encounter_from_json(text, "(line)", catalogue, future=future),
    )
    try:
        handle = path.open("rb")
    except IsADirectoryError:
        fail(f"--batch: cannot read {path}: it is a folder, not a file")
    except OSError as exc:
        fail(f"--batch: cannot read {path}: {exc.strerror or exc}")
    progress = Progress(
        TextColumn("deciding"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        disable=not sys.stderr.isatty(),
        console=Console(stderr=True),
        transient=True,
    )
    with handle, progress:
        try:
            size: float | None = os.fstat(handle.fileno()).st_size
        except OSError:
            size = None
        task = progress.add_task("decide", total=size)
        try:
            for lines in json_lines(handle):
                answers.add(lines)
                progress.update(task, completed=handle.tell())
        except OSError as exc:
            fail(f"--batch: cannot read {path}: {exc.strerror}")
    problems, count = answers.problems, answers.problem_count
    if count:
        fail(
            "\n".join(f"{path}:{number}: {message}" for number, message in problems[:20])
            + (f"\n... and {count - 20} more" if count > 20 else "")
        )
    _write_answers(answers.answers, answers.order)


#: Answers written by one system call (at most IOV_MAX pieces, 1024 on Linux).
_WRITE_PIECES = 1_024


def _write_answers(answers: list[bytes], order: Sequence[int]) -> None:
    """Write each line's answer (each ends with a line break) to stdout, a thousand at a time:
    a million decisions are gigabytes of JSON, never held as one text. Where stdout is a file
    descriptor the pieces go to the system as they are (``os.writev``), without copying them
    into one buffer first."""
    sys.stdout.flush()
    out = sys.stdout.buffer
    out.flush()
    try:
        descriptor: int | None = out.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
        descriptor = None
    writev = getattr(os, "writev", None)
    for start in range(0, len(order), _WRITE_PIECES):
        pieces = [answers[i] for i in order[start : start + _WRITE_PIECES]]
        if descriptor is None or writev is None:
            out.write(b"".join(pieces))
            continue
        written = writev(descriptor, pieces)
        if written < sum(map(len, pieces)):  # a short write: the rest the ordinary way
            out.write(b"".join(pieces)[written:])
            out.flush()
    out.flush()


def decide_command(
    file: Annotated[str | None, typer.Argument(help="Encounter JSON file, or - for stdin.")] = None,
    output_format: FormatOption = "text",
    batch: Annotated[
        Path | None, typer.Option("--batch", help="JSON Lines file: one encounter per line.")
    ] = None,
    scenario: Annotated[
        Path | None, typer.Option("--scenario", help="Scenario YAML that changes the catalogue.")
    ] = None,
) -> None:
    """Decide what happens at an encounter under the policies in force on its date."""
    _check_format(output_format)
    catalogue, chosen = _catalogue(scenario)
    if batch is not None:
        if file is not None:
            fail("give either FILE or --batch, not both")
        _decide_batch(batch, catalogue, chosen)
        return
    if file is None:
        fail("FILE: give an encounter JSON file, '-' for stdin, or --batch FILE.jsonl")
    encounter = _one_encounter(file, catalogue, future=chosen is not None)
    try:
        decision = decide(encounter, catalogue=catalogue, scenario=chosen)
    except EncounterInputError as exc:
        fail(f"{file}: {exc}")
    if output_format == "json":
        _json(decision.model_dump(mode="json"))
    else:
        typer.echo(render_decision(decision, encounter))


# --- eligibility ---------------------------------------------------------------------------

eligibility_app = typer.Typer(
    help="Eligibility questions: the 2021 MPP wind-down, the 2023 rule's presumption.",
    no_args_is_help=True,
)


@eligibility_app.command("mpp-winddown")
def mpp_winddown_command(
    file: Annotated[str, typer.Argument(help="Encounter JSON (date, people, mpp_case), or -.")],
    output_format: FormatOption = "text",
) -> None:
    """Is this person eligible for the 2021 MPP wind-down on the encounter's date?"""
    _check_format(output_format)
    catalogue, _ = _catalogue(None)
    encounter = _one_encounter(file, catalogue, require_place=False)
    answer = mpp_wind_down(encounter, catalogue=catalogue)
    headline = f"eligible: {'yes' if answer.eligible else 'no'}"
    _eligibility_answer(answer, headline, output_format, catalogue)


@eligibility_app.command("lawful-pathways")
def lawful_pathways_command(
    file: Annotated[str, typer.Argument(help="Encounter JSON file, or -.")],
    output_format: FormatOption = "text",
) -> None:
    """Does the 2023 rule's presumption apply, or one of its exceptions?"""
    _check_format(output_format)
    catalogue, _ = _catalogue(None)
    answer = lawful_pathways(_one_encounter(file, catalogue), catalogue=catalogue)
    headline = (
        f"in force: {answer.in_force}; presumption: {answer.presumption};"
        f" exception: {answer.exception}"
    )
    _eligibility_answer(answer, headline, output_format, catalogue)


def _eligibility_answer(
    answer: Eligibility | LawfulPathwaysAnswer,
    headline: str,
    output_format: str,
    catalogue: Catalogue,
) -> None:
    """An eligibility answer: its JSON, or its headline, flags and reasons as text."""
    if output_format == "json":
        _json(answer.model_dump(mode="json"))
        return
    typer.echo(headline)
    _flag_lines(answer.flags, catalogue)
    typer.echo("\n".join(_reason_lines(answer.reasons)))


def _flag_lines(flags: tuple[str, ...], catalogue: Catalogue) -> None:
    if flags:
        typer.echo(f"flags: {', '.join(flags)}")
    if "after_verified_coverage" in flags:
        typer.echo(f"NOTICE: the rules have not been verified after {catalogue.verified_through}.")


# --- policies ------------------------------------------------------------------------------


def _period_text(start: date, to: date | None) -> str:
    return f"{start} to {to}" if to else f"from {start}"


def policies_command(
    on: Annotated[str | None, typer.Option("--on", help="List what is in force on DATE.")] = None,
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
    output_format: FormatOption = "text",
) -> None:
    """List the policies in force on a date, what changed between two dates, or their sources."""
    _check_format(output_format)
    if sum((on is not None, between is not None, sources)) != 1:
        fail("give exactly one of --on DATE, --between A B or --sources")
    catalogue = load_catalogue()
    if sources:
        _policies_sources(catalogue, output_format)
        return
    if on is not None:
        _policies_on(catalogue, _parse_day("--on", on), output_format)
    else:
        assert between is not None
        first, last = _parse_day("--between", between[0]), _parse_day("--between", between[1])
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
    if output_format == "json":
        _json(
            {
                "on": day.isoformat(),
                "catalogue_version": catalogue.version,
                "catalogue_verified_through": catalogue.verified_through.isoformat(),
                "after_verified_coverage": after,
                "policies": rows,
                "ended": ended,
            }
        )
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
    if output_format == "json":
        _json({"from": first.isoformat(), "to": last.isoformat(), "changes": rows})
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
    if output_format == "json":
        _json(report.as_json())
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
    on: Annotated[str | None, typer.Option("--on", help="The ceiling in force on DATE.")] = None,
    region: Annotated[
        str | None, typer.Option("--region", help="AF, EA, ECA, LAC, NESA or UR (or its name).")
    ] = None,
    output_format: FormatOption = "text",
) -> None:
    """Print the refugee admissions ceiling in force for a fiscal year (and region)."""
    _check_format(output_format)
    digits = fiscal_year.upper().removeprefix("FY")
    if not (digits.isdigit() and len(digits) == 4):
        fail(f"FY: {fiscal_year!r} is not a fiscal year such as 2021 or FY2021")
    day = None if on is None else _parse_day("--on", on)
    try:
        answer = refugee_ceiling(load_catalogue(), int(digits), on=day, region=region)
    except CeilingQueryError as exc:
        fail(str(exc))
    if output_format == "json":
        _json(answer.model_dump(mode="json"))
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


# --- replay --------------------------------------------------------------------------------


def replay_command(
    encounters: Annotated[Path, typer.Option("--encounters", help="JSON Lines of encounters.")],
    scenario: Annotated[Path, typer.Option("--scenario", help="Scenario YAML to compare with.")],
    output_format: FormatOption = "text",
) -> None:
    """Replay encounters under the catalogue and under a scenario; report changed outcomes."""
    _check_format(output_format)
    catalogue, chosen = _catalogue(scenario)
    assert chosen is not None
    report = replay(
        _batch_encounters(encounters, catalogue, future=True), catalogue=catalogue, scenario=chosen
    )
    if output_format == "json":
        _json(report.model_dump(mode="json"))
        return
    typer.echo(
        f"{report.changed} of {report.encounters} outcomes change under scenario {chosen.name}"
        f" (catalogue {report.baseline_version})"
    )
    for change in report.changes:
        before, after = change.before, change.after
        typer.echo(
            f"- encounter {change.index + 1} ({change.date}): {before.authority} {before.pathway}"
            f"{' -> ' + before.destination if before.destination else ''} => {after.authority}"
            f" {after.pathway}{' -> ' + after.destination if after.destination else ''}"
        )


#: The top-level commands of this part (``eligibility_app`` is the ``eligibility`` group);
#: :mod:`asilo.cli.registry` places both.
commands = typer.Typer()
commands.command("decide")(decide_command)
commands.command("policies")(policies_command)
commands.command("refugee-ceiling")(refugee_ceiling_command)
commands.command("replay")(replay_command)


__all__ = ["commands", "eligibility_app", "render_decision"]
