"""Compiles the translation catalogues (.po -> .mo) with Babel, in pure Python.

Running the application needs nothing but Python: no GNU gettext, no system package. A catalogue
with a duplicate message, or a translation whose placeholders differ from its message's, stops
the build with the file and the message, as ``msgfmt --check-format`` would. Fuzzy entries are
left out, as msgfmt leaves them out.

Usage: ``python scripts/compile_messages.py [--force]`` from anywhere.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "src" / "asilo"


def _duplicates(po: Path) -> list[str]:
    """The (context, message) keys that a catalogue defines more than once."""
    seen: set[tuple[str, str]] = set()
    repeated: list[str] = []
    field = ""
    parts: dict[str, list[str]] = {"msgctxt": [], "msgid": []}

    def close() -> None:
        if parts["msgid"]:
            key = ("".join(parts["msgctxt"]), "".join(parts["msgid"]))
            if key[1] and key in seen:
                repeated.append(key[1])
            seen.add(key)
        parts["msgctxt"], parts["msgid"] = [], []

    for raw in po.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#~"):
            continue
        if line.startswith("msgctxt "):
            close()
            field = "msgctxt"
            parts[field].append(ast.literal_eval(line[len("msgctxt ") :]))
        elif line.startswith("msgid "):
            if parts["msgid"]:
                close()
            field = "msgid"
            parts[field].append(ast.literal_eval(line[len("msgid ") :]))
        elif line.startswith('"') and field in parts:
            parts[field].append(ast.literal_eval(line))
        elif line.startswith(("msgstr", "msgid_plural")):
            field = ""
    close()
    return repeated


def compile_catalogue(po: Path) -> list[str]:
    """Writes ``po``'s .mo beside it; the problems found, as lines (nothing written then)."""
    problems = [f"{po}: duplicate message {msg!r}" for msg in _duplicates(po)]
    with po.open("rb") as handle:
        catalogue = read_po(handle, abort_invalid=True)
    for message, errors in catalogue.check():
        problems.extend(f"{po}: {message.id!r}: {error}" for error in errors)
    if problems:
        return problems
    with po.with_suffix(".mo").open("wb") as handle:
        write_mo(handle, catalogue, use_fuzzy=False)
    return []


def main(argv: list[str]) -> int:
    force = "--force" in argv
    problems: list[str] = []
    for po in sorted(SOURCES.glob("**/locale/*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if force or not mo.exists() or po.stat().st_mtime > mo.stat().st_mtime:
            problems.extend(compile_catalogue(po))
    for line in problems:
        print(line, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
