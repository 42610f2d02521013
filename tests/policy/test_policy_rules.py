"""The engine as rule modules (issue 8, section 3): typed catalogue access, every citation and
every sentence from a catalogue, every catalogue field read by some rule."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from asilo.policy import CatalogueError, decide, load_catalogue, load_scenario, parse_encounter
from asilo.policy.catalogue import CATALOGUE_DIR
from asilo.policy.messages import catalogue as messages
from asilo.policy.rules import base
from asilo.policy.schema import MppProgramme, documentation_fields, value_models

POLICY = Path(base.__file__).parents[1]
RULES = POLICY / "rules"
CASES = Path(__file__).with_name("cases")


def _python_sources() -> list[Path]:
    return sorted([*RULES.glob("*.py"), POLICY / "engine.py", POLICY / "eligibility.py"])


def test_engine_is_short_and_the_rules_are_one_module_per_family() -> None:
    assert len((POLICY / "engine.py").read_text(encoding="utf-8").splitlines()) < 200
    modules = {p.stem for p in RULES.glob("*.py")}
    assert {
        "title42",
        "title8",
        "mpp",
        "tvpra",
        "asylum",
        "parole",
        "aca",
        "proclamations",
        "refugees",
        "pipeline",
    } <= modules
    pipeline = (RULES / "pipeline.py").read_text(encoding="utf-8")
    assert len(pipeline.splitlines()) < 80


def test_no_cast_in_rule_modules() -> None:
    for path in _python_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                assert node.func.id != "cast", f"{path.name}:{node.lineno} uses cast()"


def test_no_reason_text_in_python() -> None:
    """Rules name reasons by code; no string long enough to be a sentence is written in them
    (docstrings aside)."""
    for path in _python_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        errors = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.Raise)
            for inner in ast.walk(node)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings | errors
            ):
                words = node.value.split()
                assert len(words) < 6, (
                    f"{path.name}:{node.lineno}: sentence in code: {node.value!r}"
                )


def _codes_in_rules() -> set[str]:
    codes: set[str] = set()
    for path in _python_sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value in messages()
            ):
                codes.add(node.value)
    return codes


def test_every_message_has_english_and_spanish_and_family_messages_haitian_creole() -> None:
    for code, texts in messages().items():
        assert set(texts) <= {"en", "es", "ht"}, code
        assert texts.get("en") and texts.get("es"), code
        words = re.sub(r"\{\w+\}", "", texts["en"])
        if any(ch.isalpha() for ch in words):
            assert texts["en"] != texts["es"], code
        if code.startswith(("eligibility.", "refugees.", "asylum.ground_")):
            assert texts.get("ht"), f"{code}: a family can see it; Haitian Creole is missing"
            assert texts["ht"] not in (texts["en"], texts["es"]) or "{" in texts["ht"], code


def test_the_rules_use_the_message_codes() -> None:
    used = _codes_in_rules()
    assert len(used) > 40
    assert "proclamation.summary_repatriation" in used


def _decisions() -> list[Any]:
    catalogue = load_catalogue()
    found = []
    for path in sorted(CASES.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in document["cases"]:
            if case.get("question", "decide") != "decide" or "error" in case["expect"]:
                continue
            doc = {**document.get("defaults", {}), **case["input"], "date": str(case["date"])}
            scenario = case.get("scenario")
            found.append(
                decide(
                    parse_encounter(doc, catalogue=catalogue),
                    catalogue=catalogue,
                    scenario=None
                    if scenario is None
                    else load_scenario(POLICY / "scenarios" / f"{scenario}.yaml"),
                )
            )
    return found


def test_every_reason_has_a_code_of_the_message_catalogue_and_a_catalogue_citation() -> None:
    catalogue = load_catalogue()
    urls = {
        (c.fact, c.url) for d in catalogue.documents.values() for p in d.values for c in p.citations
    }
    for decision in _decisions():
        reasons = [*decision.reasons, *(o.reason for o in decision.options)]
        for member in decision.members:
            reasons.extend(member.reasons)
        for why in reasons:
            assert why.code in messages(), why.code
            if decision.scenario is None:
                assert (why.citation.fact, why.citation.url) in urls, why


def test_the_flight_option_cites_t42_21_from_the_catalogue() -> None:
    catalogue = load_catalogue()
    document = {
        "date": "2021-03-01",
        "place": {"kind": "between_ports", "name": "El Paso"},
        "people": [{"age": 30, "nationality": "BRA"}],
    }
    decision = decide(parse_encounter(document, catalogue=catalogue), catalogue=catalogue)
    flight = next(o for o in decision.options if o.authority == "title_42")
    assert flight.reason.citation.fact == "T42-21"
    assert flight.reason.rule == "title42/mexico_acceptance"


def test_every_value_model_field_is_read_by_a_rule_or_is_documentation() -> None:
    from asilo.policy.rules.registry import field_reads

    reads = field_reads()
    for model in value_models():
        for name in model.model_fields:
            assert name in reads.get(model, set()) or name in documentation_fields(model), (
                f"{model.__name__}.{name}"
            )


def test_a_field_no_rule_reads_fails_the_schema_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "catalogue"
    shutil.copytree(CATALOGUE_DIR, target)
    reads = {model: set(fields) for model, fields in base.READS.items()}
    reads[MppProgramme].discard("title42_precedence")
    monkeypatch.setattr(base, "READS", reads)
    with pytest.raises(CatalogueError) as raised:
        load_catalogue(target)
    assert "mpp/enrolment: MppProgramme.title42_precedence is read by no rule" in str(raised.value)


def test_title42_precedence_changes_decisions_under_a_scenario(tmp_path: Path) -> None:
    scenario = tmp_path / "mpp-before-title42.yaml"
    scenario.write_text(
        yaml.safe_dump(
            {
                "name": "mpp-before-title42",
                "description": "What if MPP 2.0 had not yielded to Title 42?",
                "written_on": "2026-12-02",
                "changes": [
                    {
                        "policy": "mpp/enrolment",
                        "update": {"value": {"title42_precedence": False}},
                        "citation": {
                            "title": "Hypothetical: MPP 2.0 without Title 42 precedence",
                            "url": "https://www.dhs.gov/immigrationlaws",
                            "section": "Scenario",
                            "fact": "SCN-MPP-T42",
                        },
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    catalogue = load_catalogue()
    document = {
        "date": "2022-03-01",
        "place": {"kind": "between_ports", "name": "El Paso"},
        "people": [{"age": 30, "nationality": "HND"}],
    }
    encounter = parse_encounter(document, catalogue=catalogue)
    baseline = decide(encounter, catalogue=catalogue)
    changed = decide(encounter, catalogue=catalogue, scenario=load_scenario(scenario))
    assert (baseline.authority, baseline.pathway) == ("title_42", "expulsion")
    assert ("title_8", "mpp_return") not in {(o.authority, o.pathway) for o in baseline.options}
    assert ("title_8", "mpp_return") in {(o.authority, o.pathway) for o in changed.options}


def test_the_declared_reads_are_the_fields_the_rules_actually_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Run every acceptance case with the value models recording each field read: the
    declarations that the schema check trusts must match what the rules do."""
    from policy_cases import run_case

    from asilo.policy.rules.registry import field_reads

    load_catalogue()  # validated before the recording starts
    seen: set[tuple[type[Any], str]] = set()
    for model in value_models():
        fields = set(model.model_fields)

        def recording(
            self: Any, name: str, _model: type[Any] = model, _fields: set[str] = fields
        ) -> Any:
            if name in _fields:
                seen.add((_model, name))
            return object.__getattribute__(self, name)

        monkeypatch.setattr(model, "__getattribute__", recording)
    for path in sorted(CASES.glob("*.yaml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in document["cases"]:
            if "error" not in case["expect"]:
                run_case(case, document.get("defaults", {}))
    declared = {
        (model, name)
        for model, names in field_reads().items()
        for name in names
        if name not in documentation_fields(model)
    }
    assert declared - seen == set(), "declared as read but never read"
    undeclared = {(m, n) for m, n in seen - declared if n not in documentation_fields(m)}
    assert undeclared == set(), "read but not declared"
