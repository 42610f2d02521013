"""Commands that decide encounters: decide, eligibility, replay (the catalogue's own commands,
``policies`` and ``refugee-ceiling``, are in :mod:`asilo.cli.catalogue_cmds`).

Bad input (a missing or malformed field, an unknown nationality or place, a date outside the
catalogue) prints a message naming the field on stderr and exits with status 2; no decision is
printed.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from asilo.cli.common import fail, read_text, text_file, text_lines
from asilo.cli.options import TextOrJson, printed_as_json
from asilo.policy import (
    Catalogue,
    CatalogueError,
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
)
from asilo.policy.decision import Reason
from asilo.policy.eligibility import Eligibility, LawfulPathwaysAnswer
from asilo.policy.lines import LineAnswers, json_lines
from asilo.policy.replay import OutcomeSummary, ReplayChange, Replayer

#: ``--scenario``: a scenario that changes the catalogue (``decide``: decide under it;
#: ``replay``: compare the outcomes under it with those under the catalogue).
ScenarioOption = Annotated[
    Path | None, typer.Option("--scenario", help="Scenario YAML that changes the catalogue.")
]


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
    output_format: TextOrJson = "text",
    batch: Annotated[
        Path | None, typer.Option("--batch", help="JSON Lines file: one encounter per line.")
    ] = None,
    scenario: ScenarioOption = None,
) -> None:
    """Decide what happens at an encounter under the policies in force on its date."""
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
    if not printed_as_json(output_format, decision):
        typer.echo(render_decision(decision, encounter))


# --- eligibility ---------------------------------------------------------------------------

eligibility_app = typer.Typer(
    help="Eligibility questions: the 2021 MPP wind-down, the 2023 rule's presumption.",
    no_args_is_help=True,
)


def _eligibility_command(
    question: Callable[[Encounter, Catalogue], Eligibility | LawfulPathwaysAnswer],
    headline: Callable[[Any], str],
    *,
    require_place: bool = True,
) -> Callable[[str, str], None]:
    """A command that asks one eligibility ``question`` of an encounter file and prints the
    answer: its JSON, or its ``headline``, flags and reasons as text."""

    def command(
        file: Annotated[str, typer.Argument(help="Encounter JSON file, or -.")],
        output_format: TextOrJson = "text",
    ) -> None:
        catalogue, _ = _catalogue(None)
        answer = question(_one_encounter(file, catalogue, require_place=require_place), catalogue)
        if printed_as_json(output_format, answer):
            return
        typer.echo(headline(answer))
        if answer.flags:
            typer.echo(f"flags: {', '.join(answer.flags)}")
        if "after_verified_coverage" in answer.flags:
            typer.echo(
                f"NOTICE: the rules have not been verified after {catalogue.verified_through}."
            )
        typer.echo("\n".join(_reason_lines(answer.reasons)))

    return command


eligibility_app.command(
    "mpp-winddown",
    help="Is this person eligible for the 2021 MPP wind-down on the encounter's date?"
    " (FILE: date, people, mpp_case.)",
)(
    _eligibility_command(
        lambda encounter, catalogue: mpp_wind_down(encounter, catalogue=catalogue),
        lambda answer: f"eligible: {'yes' if answer.eligible else 'no'}",
        require_place=False,
    )
)
eligibility_app.command(
    "lawful-pathways", help="Does the 2023 rule's presumption apply, or one of its exceptions?"
)(
    _eligibility_command(
        lambda encounter, catalogue: lawful_pathways(encounter, catalogue=catalogue),
        lambda answer: (
            f"in force: {answer.in_force}; presumption: {answer.presumption};"
            f" exception: {answer.exception}"
        ),
    )
)


# --- replay --------------------------------------------------------------------------------


#: Problems of a replayed file that are named (the others are counted).
_PROBLEMS_NAMED = 20


def _replayed(path: Path, catalogue: Catalogue, scenario: Scenario) -> Replayer:
    """Replay every line of the JSON Lines file ``path``, read a piece at a time
    (:func:`asilo.cli.common.text_lines`); a line orjson parses is keyed and decided once per
    key (:meth:`Replayer.add_document`), any other is read by ``json`` (whose message names
    the fault). Every line is checked before anything is printed: bad lines exit 2, the first
    twenty named (``FILE:LINE: message``) and the others counted."""
    replayer = Replayer(catalogue, scenario=scenario)
    validate = partial(parse_encounter, catalogue=catalogue, future=True)
    problems: list[str] = []
    count = 0
    for number, line in text_lines(path, "--encounters"):
        if not line.strip():
            continue
        try:
            try:
                document = orjson.loads(line)
            except orjson.JSONDecodeError:
                replayer.add(_encounter_from_json(line, "(line)", catalogue, future=True))
            else:
                replayer.add_document(document, validate)
        except EncounterInputError as exc:  # a date the catalogue refuses to decide too
            count += 1
            if len(problems) < _PROBLEMS_NAMED:
                problems.append(f"{path}:{number}: {exc}")
    if count:
        more = count - _PROBLEMS_NAMED
        fail("\n".join(problems) + (f"\n... and {more} more" if more > 0 else ""))
    return replayer


def _outcome(summary: OutcomeSummary) -> str:
    to = f" -> {summary.destination}" if summary.destination else ""
    return f"{summary.authority} {summary.pathway}{to}"


def _replay_text(replayer: Replayer, scenario: str) -> Iterator[str]:
    """The report as text: a line of counts, then each changed encounter's outcomes."""
    yield (
        f"{replayer.changed} of {replayer.encounters} outcomes change under scenario {scenario}"
        f" (catalogue {replayer.catalogue.version})\n"
    )
    outcomes = [f"{_outcome(before)} => {_outcome(after)}" for before, after, _ in replayer.pairs]
    for position, day, pair in replayer.changes():
        yield f"- encounter {position + 1} ({day}): {outcomes[pair]}\n"


def _replay_json(replayer: Replayer) -> Iterator[str]:
    """The report as ``ReplayReport``'s indented JSON (:func:`asilo.cli.common.echo_json`), a
    change at a time: each pair of outcomes is formatted once, each change from its text."""
    head: dict[str, object] = {
        "baseline_version": replayer.catalogue.version,
        "alternative_version": replayer.other.version,
        "encounters": replayer.encounters,
        "changed": replayer.changed,
        "changes": [],
    }
    text = json.dumps(head, ensure_ascii=False, indent=2)
    if not replayer.changed:
        yield text + "\n"
        return
    yield text.removesuffix("[]\n}") + "["
    rests = []
    for before, after, rules in replayer.pairs:
        change = ReplayChange(index=0, date="", before=before, after=after, rules_after=rules)
        lines = json.dumps(change.model_dump(mode="json"), ensure_ascii=False, indent=2)
        rests.append(textwrap.indent(lines.split("\n", 3)[3], "    "))  # after index and date
    separator = "\n"
    for position, day, pair in replayer.changes():
        opening = f'    {{\n      "index": {position},\n      "date": "{day}",\n'
        yield separator + opening + rests[pair]
        separator = ",\n"
    yield "\n  ]\n}\n"


def _write_pieces(pieces: Iterable[str], at_once: int = 10_000) -> None:
    """Write ``pieces`` to standard output, ``at_once`` of them in one write."""
    held: list[str] = []
    for piece in pieces:
        held.append(piece)
        if len(held) >= at_once:
            sys.stdout.write("".join(held))
            held.clear()
    sys.stdout.write("".join(held))
    sys.stdout.flush()


def replay_command(
    encounters: Annotated[Path, typer.Option("--encounters", help="JSON Lines of encounters.")],
    scenario: ScenarioOption,
    output_format: TextOrJson = "text",
) -> None:
    """Replay encounters under the catalogue and under a scenario; report changed outcomes."""
    catalogue, chosen = _catalogue(scenario)
    assert chosen is not None
    replayer = _replayed(encounters, catalogue, chosen)
    if output_format == "json":
        _write_pieces(_replay_json(replayer))
    else:
        _write_pieces(_replay_text(replayer, chosen.name))


#: The top-level commands ``decide`` and ``replay`` (``eligibility_app`` is the
#: ``eligibility`` group); :mod:`asilo.cli.registry` places both.
commands = typer.Typer()
commands.command("decide")(decide_command)
commands.command("replay")(replay_command)


__all__ = ["commands", "eligibility_app", "render_decision"]
