"""``asilo decide --batch`` shares one decision among lines with the same key (issue 13): its
output must be, byte for byte, what deciding each line on its own gives, and its errors the
line-numbered messages of the full validation."""

from __future__ import annotations

import io
import json
import random
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from asilo.cli import policy_cmds
from asilo.cli.registry import only
from asilo.policy import (
    Encounter,
    EncounterInputError,
    decide,
    load_catalogue,
    load_scenario,
    parse_encounter,
)
from asilo.policy.batch import FACTS
from asilo.policy.lines import MAX_LINE_BYTES, DocumentKeys, LineAnswers, json_lines

app = only("", "eligibility")
runner = CliRunner()
CATALOGUE = load_catalogue()
SCENARIO = (
    Path(policy_cmds.__file__).parents[1] / "policy" / "scenarios" / "title42-ended-2021-01-20.yaml"
)
PLACES = [
    ("between_ports", "Rio Grande Valley"),
    ("between_ports", "El Paso"),
    ("port_of_entry", "San Ysidro"),
    ("port_of_entry", "Hidalgo"),
]
NATIONALITIES = ["MEX", "HND", "CUB", "VEN", "HTI", "USA"]


def documents(count: int, seed: int) -> list[dict[str, object]]:
    """Plain documents over 2019-2025 (ages on both sides of every threshold, roles,
    relationships, statuses, declared facts, people in several orders), a few with a time."""
    rng = random.Random(seed)
    first, days = date(2019, 2, 1), (date(2025, 9, 30) - date(2019, 2, 1)).days
    out: list[dict[str, object]] = []
    for _ in range(count):
        nationality = rng.choice(NATIONALITIES)
        people: list[dict[str, object]] = []
        for _ in range(rng.randint(1, 4)):
            age = rng.choice([0, 3, 5, 6, 7, 12, 17, 18, 19, 40, 130])
            person: dict[str, object] = {"age": age, "nationality": nationality}
            if rng.random() < 0.5:
                person["role"] = "child" if age < 18 else "adult"
            if age >= 18 and rng.random() < 0.6:
                person["relationship"] = rng.choice(["parent", "legal_guardian", "other_relative"])
            if rng.random() < 0.1:
                person["lawful_status"] = rng.choice(["none", "lawful_permanent_resident"])
            people.append(person)
        kind, name = rng.choice(PLACES)
        document: dict[str, object] = {
            "date": (first + timedelta(days=rng.randrange(days))).isoformat(),
            "place": {"kind": kind, "name": name},
            "people": people,
        }
        for fact in FACTS:
            if rng.random() < 0.15:
                document[fact] = rng.random() < 0.5
        if rng.random() < 0.05:
            document["time"] = "23:30"
        out.append(document)
    return out


def problem(line: str, *, future: bool = False) -> str | None:
    try:
        parse_encounter(json.loads(line), catalogue=CATALOGUE, future=future)
    except EncounterInputError as exc:
        return str(exc)
    return None


def one_by_one(lines: list[str], *, scenario: Path | None = None) -> str:
    chosen = None if scenario is None else load_scenario(scenario)
    answers = []
    for line in lines:
        encounter = parse_encounter(
            json.loads(line), catalogue=CATALOGUE, future=chosen is not None
        )
        decision = decide(encounter, catalogue=CATALOGUE, scenario=chosen)
        answers.append(json.dumps(decision.model_dump(mode="json"), ensure_ascii=False) + "\n")
    return "".join(answers)


@pytest.mark.parametrize("scenario", [None, SCENARIO])
def test_batch_output_is_each_line_decided_on_its_own(
    tmp_path: Path, scenario: Path | None
) -> None:
    lines = [json.dumps(d) for d in documents(500, seed=13)]
    lines = [line for line in lines if not problem(line, future=scenario is not None)]
    assert len(lines) > 250
    lines += lines[:50]  # identical lines
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["decide", "--batch", str(path)]
    if scenario is not None:
        args += ["--scenario", str(scenario)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == one_by_one(lines, scenario=scenario)


def test_keys_are_shared_and_refuse_what_needs_the_full_validation() -> None:
    keys = DocumentKeys(CATALOGUE)
    base = documents(1, seed=1)[0]
    single = {**base, "people": [{"age": 30, "nationality": "HND"}]}
    assert keys.key(single) is not None
    # another adult age and another day in the same catalogue state: the same key
    assert keys.key({**single, "people": [{"age": 45, "nationality": "HND"}]}) == keys.key(single)
    for odd in (
        {**single, "time": "10:00"},
        {**single, "date": "2019-02-30"},
        {**single, "date": (date.today() + timedelta(days=30)).isoformat()},
        {**single, "people": [{"age": 30.0, "nationality": "HND"}]},
        {**single, "people": [{"age": True, "nationality": "HND"}]},
        {**single, "people": [{"age": 131, "nationality": "HND"}]},
        {**single, "people": [{"age": 30, "nationality": "HND", "vulnerabilities": []}]},
        {**single, "people": []},
        {**single, "place": {"kind": "between_ports", "name": "El Paso", "x": 1}},
        {**single, "manifests_fear": "yes"},
        {**single, "unaccompanied": None},
        [single],
    ):
        assert keys.key(odd) is None, odd
    assert keys.key({**single, "people": [{"age": 30}]}) != keys.key(single)


def test_a_bad_line_after_a_good_line_with_the_same_key_is_still_named(tmp_path: Path) -> None:
    good = {
        "date": "2021-03-01",
        "place": {"kind": "between_ports", "name": "El Paso"},
        "people": [{"age": 30, "nationality": "HND", "role": "adult"}],
    }
    bad = {**good, "people": [{"age": 30, "nationality": "HND", "role": "child"}]}
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(json.dumps(d) for d in (good, good, bad)) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["decide", "--batch", str(path)])
    assert result.exit_code == 2 and result.stdout == ""
    assert f"{path}:3: people[0].role: 'child' but age 30 is 18 or over" in result.stderr


def test_every_bad_line_is_named_with_the_full_validation_message(tmp_path: Path) -> None:
    lines = [json.dumps(d) for d in documents(300, seed=7)]
    expected = [
        f"{tmp_path / 'many.jsonl'}:{number}: {message}"
        for number, line in enumerate(lines, 1)
        if (message := problem(line)) is not None
    ]
    assert len(expected) > 20
    path = tmp_path / "many.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["decide", "--batch", str(path)])
    assert result.exit_code == 2 and result.stdout == ""
    more = f"\n... and {len(expected) - 20} more"
    assert result.stderr == "error: " + "\n".join(expected[:20]) + more + "\n"


# --- streaming (issue 13: a million lines in bounded memory; issue 11: streaming of large batch
# input): the file is read a chunk at a time and the answers written in pieces, the output
# staying, byte for byte, each line decided on its own.


def _fail(text: str) -> Encounter:
    raise AssertionError(f"parse_text called for {text!r}")


@pytest.mark.parametrize("chunk", [1, 7, 64, 1 << 20])
def test_lines_are_split_the_same_whatever_the_chunk(chunk: int) -> None:
    text = (
        b'\xef\xbb\xbf{"a": 1}\n\n{"b": 2}\r\n{"c": 3}\r{"d": 4}\r\n\r\n'
        + b"x" * 100
        + b"\n  \nlast"
    )
    read = [line for lines in json_lines(io.BytesIO(text), chunk) for line in lines]
    assert read == text[3:].splitlines()  # the byte order mark skipped


def test_answers_do_not_depend_on_how_the_lines_are_chunked() -> None:
    lines = [json.dumps(d).encode() for d in documents(200, seed=3)]
    lines = [line for line in lines if not problem(line.decode())]
    whole = LineAnswers(CATALOGUE, parse_text=_fail)
    whole.add(lines)
    pieces = LineAnswers(CATALOGUE, parse_text=_fail)
    for start in range(0, len(lines), 17):
        pieces.add(lines[start : start + 17])
    assert [whole.answers[i] for i in whole.order] == [pieces.answers[i] for i in pieces.order]
    assert len(whole.order) == len(lines) and not whole.problems
    assert len(whole.answers) < len(lines)  # identical answers are held once


def test_blank_lines_get_nothing_and_keep_the_numbering(tmp_path: Path) -> None:
    good = json.dumps(documents(1, seed=5)[0])
    assert problem(good) is None
    path = tmp_path / "blanks.jsonl"
    # white space of every kind str.strip() knows, CRLF line ends, a last line without a break
    path.write_bytes(
        "\r\n".join([good, "", "   ", "\t", "\u3000\u00a0", good, '{"date": 1}', good]).encode()
    )
    result = runner.invoke(app, ["decide", "--batch", str(path)])
    assert result.exit_code == 2 and result.stdout == ""
    assert f"{path}:7: " in result.stderr and f"{path}:1:" not in result.stderr
    path.write_bytes("\r\n".join([good, "", "   ", "\u3000", good, good]).encode())
    result = runner.invoke(app, ["decide", "--batch", str(path)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == one_by_one([good] * 3)


def test_a_line_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    good = json.dumps(documents(1, seed=5)[0]).encode()
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(good + b"\n" + good.replace(b'"date"', b'"d\xe9te"') + b"\n" + good + b"\n")
    result = runner.invoke(app, ["decide", "--batch", str(path)])
    assert result.exit_code == 2 and result.stdout == ""
    assert (
        f"{path}:2: (line): not UTF-8 text (byte 0xe9 at column 4); save the file as UTF-8"
        in result.stderr
    )
    assert "Traceback" not in result.stderr


def test_the_command_writes_to_a_file_what_each_line_gives_on_its_own(tmp_path: Path) -> None:
    """As a process writing to a file (the answers go to the system in pieces, not through
    Python's buffer), with more lines than one piece holds."""
    lines = [json.dumps(d, ensure_ascii=False) for d in documents(700, seed=11)]
    lines = [line for line in lines if not problem(line)]
    lines = lines * 4
    assert len(lines) > 1_024
    source = tmp_path / "many.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    target = tmp_path / "decisions.jsonl"
    code = "from asilo.cli.entry import run; run()"
    with target.open("wb") as out:
        done = subprocess.run(
            [sys.executable, "-c", code, "decide", "--batch", str(source)],
            stdout=out,
            stderr=subprocess.PIPE,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    assert target.read_bytes() == one_by_one(lines).encode("utf-8")


def test_lines_with_the_same_text_key_have_the_same_key() -> None:
    """The key of a line's text (no JSON parsing) is shared only by lines whose documents have
    the same key; numbers that are not plain whole ages, escapes and odd dates get none."""
    keys = DocumentKeys(CATALOGUE)
    docs = documents(1500, seed=21)
    lines = [json.dumps(d).encode() for d in docs] + [orjson.dumps(d) for d in docs]
    groups: dict[object, set[object]] = {}
    for line in lines:
        text = keys.text_key(line)
        if text is not None:
            groups.setdefault(text, set()).add(keys.key(orjson.loads(line)))
    shared = [found for found in groups.values() if None not in found]
    assert len(shared) > 100 and all(len(found) == 1 for found in shared)
    assert sum(1 for found in groups.values() if len(found) > 1) == 0

    def line(day: str, age: str, extra: str = "") -> bytes:
        return (
            f'{{"date": "{day}", "place": {{"kind": "between_ports", "name": "El Paso"}}, '
            f'"people": [{{"age": {age}, "nationality": "HND"{extra}}}]}}'
        ).encode()

    plain = keys.text_key(line("2021-03-01", "30"))
    assert plain is not None
    compact = line("2021-03-01", "30").replace(b": ", b":").replace(b", ", b",")
    assert keys.text_key(compact) is not None  # as orjson writes it
    assert keys.text_key(line("2021-03-02", "45")) == plain  # same state, same bucket
    assert keys.text_key(line("2021-03-01", "12")) != plain  # a child
    for age in ("30.0", "030", "3e1", "-30", "30 ", "true"):
        assert keys.text_key(line("2021-03-01", age)) != plain, age
    for odd in (
        line("2021-03-01", "131"),
        line("2021-02-30", "30"),
        line("2021-3-01 ", "30"),
        line((date.today() + timedelta(days=30)).isoformat(), "30"),
        line("2021-03-01", "30", ', "role": "\\u0061dult"'),
        b' {"date": "2021-03-01", "people": []}',
    ):
        assert keys.text_key(odd) is None, odd


def test_compact_and_odd_lines_are_decided_as_on_their_own(tmp_path: Path) -> None:
    docs = documents(300, seed=17)
    lines = [json.dumps(d) for d in docs] + [orjson.dumps(d).decode() for d in docs]
    lines += [line.replace('"age": 40', '"age": 40.0') for line in lines[:300]]
    lines = [line for line in lines if not problem(line)]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["decide", "--batch", str(path)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == one_by_one(lines)


def test_a_byte_order_mark_is_skipped_and_a_folder_is_named(tmp_path: Path) -> None:
    good = json.dumps(documents(1, seed=5)[0])
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + (good + "\n" + good + "\n").encode())
    result = runner.invoke(app, ["decide", "--batch", str(path)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == one_by_one([good, good])
    result = runner.invoke(app, ["decide", "--batch", str(tmp_path)])
    assert result.exit_code == 2 and result.stdout == ""
    assert f"--batch: cannot read {tmp_path}: it is a folder, not a file" in result.stderr


@pytest.mark.parametrize("chunk", [1, 5, 16, 1 << 20])
@pytest.mark.parametrize("end", [b"\n", b"\r\n", b"\r"])
def test_a_too_long_line_is_cut_and_the_lines_after_it_keep_their_numbers(
    chunk: int, end: bytes
) -> None:
    text = b"a" + end + b"x" * 50 + end + b"b" + end + end + b"c"
    read = [line for lines in json_lines(io.BytesIO(text), chunk, max_line=10) for line in lines]
    assert read[0] == b"a" and read[2:] == [b"b", b"", b"c"], read
    assert len(read[1]) > 10 and set(read[1]) == {ord("x")}


def test_a_line_over_the_limit_is_named_and_not_held(tmp_path: Path) -> None:
    good = json.dumps(documents(1, seed=5)[0])
    huge = '{"date": "2021-03-01", "people": [' + ", ".join(['{"age": 30}'] * 100_000) + "]}"
    assert len(huge) > MAX_LINE_BYTES
    path = tmp_path / "huge.jsonl"
    path.write_text("\n".join([good, huge, good, '{"date": 1}', good]) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["decide", "--batch", str(path)])
    assert result.exit_code == 2 and result.stdout == ""
    assert f"{path}:2: (line): longer than 1,048,576 bytes" in result.stderr
    assert f"{path}:4: " in result.stderr and f"{path}:3:" not in result.stderr


def test_answers_are_the_same_once_the_memories_are_full_and_bad_lines_are_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from asilo.policy import lines as module

    lines = [json.dumps(d).encode() for d in documents(300, seed=23)]
    lines = [line for line in lines if not problem(line.decode())] * 2
    full = LineAnswers(CATALOGUE, parse_text=_fail)
    full.add(lines)
    for name in ("_KEY_MEMORY", "_LINE_MEMORY", "_DAY_MEMORY"):
        monkeypatch.setattr(module, name, 5)
    small = LineAnswers(CATALOGUE, parse_text=_fail)
    small.add(lines)
    assert [full.answers[i] for i in full.order] == [small.answers[i] for i in small.order]
    assert len(small._by_key) == 5 and len(small._keys._days) == 5
    monkeypatch.setattr(module, "PROBLEMS_KEPT", 3)
    bad = LineAnswers(CATALOGUE, parse_text=_fail)
    bad.add([b'{"date": 1}'] * 10 + lines[:5])
    assert bad.problem_count == 10 and [n for n, _ in bad.problems] == [1, 2, 3]
