"""Collects the YAML acceptance cases in ``tests/policy/cases/`` as pytest items.

A case file has optional ``defaults`` (merged into every case's ``input``) and a list of
``cases``. Each case has an ``id``, a ``date`` (the encounter's date, or the date a question is
asked), an ``input`` and an ``expect``. ``question`` selects what is asked: ``decide`` (the
default), ``mpp_wind_down``, ``lawful_pathways`` or ``refugee_ceiling``; ``scenario`` names a
shipped scenario file. ``expect`` lists only what the case checks:

- decision fields compared exactly: authority, pathway, destination, demographic,
  custody_limit_hours;
- ``flags``: exactly these flags; ``flags_include`` / ``flags_exclude``: some must (not) be set;
- ``options``: exactly these (authority, pathway, destination) options, in any order;
- ``rules_include``: catalogue ids that must appear among the reasons;
- ``members``: each listed person's outcome (fields as above);
- ``error``: the input must be refused, naming these fields;
- for questions: ``eligible``, ``presumption``, ``exception``, ``total``, ``region_number``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from policy_cases import CASES, CaseMismatch, run_case


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix == ".yaml" and file_path.parent == CASES:
        return CaseFile.from_parent(parent, path=file_path)
    return None


class CaseFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        document = yaml.safe_load(self.path.read_text(encoding="utf-8"))
        defaults = document.get("defaults", {})
        for case in document["cases"]:
            yield CaseItem.from_parent(self, name=case["id"], case=case, defaults=defaults)


class CaseItem(pytest.Item):
    def __init__(self, *, case: dict[str, Any], defaults: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.defaults = defaults

    def runtest(self) -> None:
        run_case(self.case, self.defaults)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CaseMismatch):
            return f"case {self.name}: {excinfo.value}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"case: {self.name}"
