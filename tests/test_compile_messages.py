"""The pure-Python catalogue compiler: what it writes is read by gettext; what it refuses."""

from __future__ import annotations

import gettext
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "compile_messages.py"
HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'


@pytest.fixture(scope="module")
def compiler() -> ModuleType:
    spec = importlib.util.spec_from_file_location("compile_messages", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _po(tmp_path: Path, body: str) -> Path:
    po = tmp_path / "django.po"
    po.write_text(HEADER + body, encoding="utf-8")
    return po


def test_a_compiled_catalogue_translates_with_gettext(compiler: ModuleType, tmp_path: Path) -> None:
    po = _po(
        tmp_path,
        'msgid "Hello %(name)s"\nmsgstr "Bonjou %(name)s"\n\n'
        'msgctxt "family role"\nmsgid "Mother"\nmsgstr "Manman"\n\n'
        '#, fuzzy\nmsgid "Unreviewed"\nmsgstr "Pa revize"\n',
    )
    assert compiler.compile_catalogue(po) == []
    with po.with_suffix(".mo").open("rb") as handle:
        translations = gettext.GNUTranslations(handle)
    assert translations.gettext("Hello %(name)s") == "Bonjou %(name)s"
    assert translations.pgettext("family role", "Mother") == "Manman"
    # fuzzy entries are left out, as msgfmt leaves them out
    assert translations.gettext("Unreviewed") == "Unreviewed"


def test_a_duplicate_message_is_refused_and_nothing_is_written(
    compiler: ModuleType, tmp_path: Path
) -> None:
    po = _po(tmp_path, 'msgid "Name"\nmsgstr "Nombre"\n\nmsgid "Name"\nmsgstr "Apellido"\n')
    problems = compiler.compile_catalogue(po)
    assert problems == [f"{po}: duplicate message 'Name'"]
    assert not po.with_suffix(".mo").exists()


def test_the_same_message_in_two_contexts_is_not_a_duplicate(
    compiler: ModuleType, tmp_path: Path
) -> None:
    po = _po(
        tmp_path,
        'msgctxt "verb"\nmsgid "Close"\nmsgstr "Cerrar"\n\n'
        'msgctxt "adjective"\nmsgid "Close"\nmsgstr "Cerca"\n\n'
        'msgid "Close"\nmsgstr "Cerrar"\n',
    )
    assert compiler.compile_catalogue(po) == []


def test_a_translation_with_other_placeholders_is_refused(
    compiler: ModuleType, tmp_path: Path
) -> None:
    po = _po(tmp_path, 'msgid "Hello %(name)s"\nmsgstr "Hola %(nombre)s"\n')
    problems = compiler.compile_catalogue(po)
    assert len(problems) == 1 and "nombre" in problems[0]
    assert not po.with_suffix(".mo").exists()
