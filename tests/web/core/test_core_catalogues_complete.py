"""Every string the web apps mark for translation has its Spanish translation, and every string
an asylum seeker can be shown has its Haitian Creole one.

The rendering tests find an untranslated string only on the pages they render; this test reads
the source instead, the way ``makemessages`` does (Django turns a template into gettext calls,
Babel extracts them), so a message on a page no test renders (the password-set page, an admin
action, an error answer) is found too. It failed before the catalogues were completed: 38
strings had no Spanish (the accounts pages, three audit actions, the platform's error answers)
and 36 of what a family can be shown had no Creole (the API's validation messages, "Too many
requests", a hold kind).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.extract import extract
from babel.messages.pofile import read_po
from django.utils.translation.template import templatize

import asilo.web

WEB = Path(asilo.web.__file__).parent

#: gettext's names as the web apps call them, with where the message id and context stand.
KEYWORDS: dict[str, object] = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}

#: What an asylum seeker can be shown, relative to ``asilo/web``: the registration app (its
#: pages, forms, errors and hold kinds), the family's notice and sign-in, the shared page
#: templates, and the platform's error answers and validation messages.
FAMILY_FACING = (
    "registrations/",
    "appointments/templates/appointments/family_login.html",
    "appointments/templates/appointments/notice.html",
    "appointments/templates/appointments/_error.html",
    "appointments/templates/appointments/messages/",
    "templates/",
    "core/api.py",
    "core/errors.py",
    "core/middleware.py",
    "core/relationships.py",
)

Message = tuple[str | None, str]


def _sources() -> Iterator[Path]:
    for path in sorted(WEB.rglob("*")):
        if path.suffix in {".py", ".html"} and "migrations" not in path.parts:
            yield path


def _messages(path: Path) -> Iterator[Message]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        # templatize keeps the template's indentation, which Python's tokenizer refuses.
        text = "\n".join(line.strip() for line in templatize(text, origin=str(path)).splitlines())
    found = extract("python", io.BytesIO(text.encode("utf-8")), keywords=KEYWORDS)  # type: ignore[arg-type]
    for _lineno, message, _comments, context in found:
        msgid = message if isinstance(message, str) else message[0]
        if msgid:
            yield context, msgid


def _translated(language: str) -> set[Message]:
    done: set[Message] = set()
    for po in WEB.rglob(f"locale/{language}/LC_MESSAGES/django.po"):
        with po.open("rb") as handle:
            for entry in read_po(handle):
                msgid = entry.id if isinstance(entry.id, str) else entry.id[0]
                forms = entry.string if isinstance(entry.string, (list, tuple)) else [entry.string]
                if msgid and all(forms):
                    done.add((entry.context, msgid))
    return done


def _missing(language: str, *, only: tuple[str, ...] = ("",)) -> list[str]:
    translated = _translated(language)
    missing = set()
    for path in _sources():
        where = path.relative_to(WEB).as_posix()
        if not where.startswith(only):
            continue
        for message in _messages(path):
            if message not in translated:
                missing.add(f"{where}: {message[1]!r}")
    return sorted(missing)


def test_the_extraction_finds_the_messages_it_must() -> None:
    """The reading itself works: strings of a template, a multi-line call and a context."""
    base = WEB / "templates" / "base.html"
    assert (None, "Sign out") in set(_messages(base))
    errors = WEB / "core" / "errors.py"
    assert (None, "Too many requests. Try again later.") in set(_messages(errors))
    assert len(list(_sources())) > 100


def test_every_message_has_its_spanish_translation() -> None:
    assert _missing("es") == []


@pytest.mark.parametrize("part", FAMILY_FACING)
def test_what_a_family_can_be_shown_has_its_creole_translation(part: str) -> None:
    assert (WEB / part).exists(), part
    assert _missing("ht", only=(part,)) == []
