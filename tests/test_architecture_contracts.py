"""The import contracts of ``pyproject.toml`` catch what they promise to catch.

Each test copies the package to a temporary folder, adds one forbidden import to the copy and
runs ``lint-imports`` on it with the project's own contracts: the contract must break, and
must name the added import. The untouched copy keeps every contract (so the break comes from
the added line and nothing else).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of ``src/asilo`` (Python files only) and of ``pyproject.toml``."""
    root = tmp_path_factory.mktemp("contracts")
    shutil.copytree(
        ROOT / "src" / "asilo",
        root / "src" / "asilo",
        ignore=lambda _d, names: [
            n for n in names if (not n.endswith(".py") and "." in n) or n == "__pycache__"
        ],
    )
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    return root


def lint(root: Path, contract: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", "--contract", contract],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def with_line(module: Path, line: str) -> str:
    """Add ``line`` to ``module``; returns the original text (to put back)."""
    original = module.read_text()
    module.write_text(original + "\n" + line + "\n")
    return original


@pytest.mark.parametrize("contract", ["layers", "selectors", "pure"])
def test_the_untouched_copy_keeps_every_contract(package_copy: Path, contract: str) -> None:
    result = lint(package_copy, contract)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "KEPT" in result.stdout


@pytest.mark.parametrize(
    ("contract", "module", "line", "named"),
    [
        # a lower layer importing a higher one: people must not know about encounters
        (
            "layers",
            "web/people/models.py",
            "from asilo.web.encounters import models as _encounters  # noqa",
            "asilo.web.people.models -> asilo.web.encounters.models",
        ),
        # the foundation importing an app: core must not know about people
        (
            "layers",
            "web/core/errors.py",
            "from asilo.web.people import models as _people  # noqa",
            "asilo.web.core.errors -> asilo.web.people.models",
        ),
        # audit depends on accounts' user model only (by settings.AUTH_USER_MODEL)
        (
            "layers",
            "web/audit/services.py",
            "from asilo.web.accounts import services as _accounts  # noqa",
            "asilo.web.audit.services -> asilo.web.accounts.services",
        ),
        # a read importing a write
        (
            "selectors",
            "web/reference/selectors.py",
            "from asilo.web.reference import services as _services  # noqa",
            "asilo.web.reference.selectors -> asilo.web.reference.services",
        ),
        (
            "selectors",
            "web/audit/selectors.py",
            "from asilo.web.accounts import services as _accounts  # noqa",
            "asilo.web.audit.selectors -> asilo.web.accounts.services",
        ),
        # a pure package importing Django
        (
            "pure",
            "scheduling/__init__.py",
            "import django as _django  # noqa",
            "asilo.scheduling -> django",
        ),
    ],
)
def test_a_forbidden_import_breaks_its_contract(
    package_copy: Path, contract: str, module: str, line: str, named: str
) -> None:
    path = package_copy / "src" / "asilo" / module
    original = with_line(path, line)
    try:
        result = lint(package_copy, contract)
    finally:
        path.write_text(original)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout
    assert named in " ".join(result.stdout.split())
