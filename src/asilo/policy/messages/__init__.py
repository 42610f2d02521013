"""The sentences of the policy engine's reasons, by stable reason code, in each language.

``reasons.yaml`` maps a code (``family.what``) to its sentence in English (``en``), Spanish
(``es``) and, for every reason a family can see, Haitian Creole (``ht``), with ``{name}``
placeholders filled from the rule's parameters. No reason text is written in Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

MESSAGES = Path(__file__).with_name("reasons.yaml")
LANGUAGES = ("en", "es", "ht")
REQUIRED = ("en", "es")


class MessageError(KeyError):
    """A reason code or a placeholder the message catalogue does not have."""


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """Every message: ``{code: {language: template}}``."""
    data = yaml.safe_load(MESSAGES.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise MessageError(f"{MESSAGES}: not a mapping of reason codes")
    return {str(code): {str(k): str(v) for k, v in texts.items()} for code, texts in data.items()}


@dataclass(frozen=True)
class Msg:
    """A message used as a parameter of another: rendered in the same language."""

    code: str
    params: tuple[tuple[str, object], ...] = ()


def _texts(code: str) -> dict[str, str]:
    texts = catalogue().get(code)
    if texts is None:
        raise MessageError(f"no message for reason code {code!r}")
    return texts


def _fill(code: str, language: str, params: Mapping[str, object]) -> str:
    texts = _texts(code)
    template = texts.get(language, texts["en"])
    values = {
        name: _fill(value.code, language, dict(value.params)) if isinstance(value, Msg) else value
        for name, value in params.items()
    }
    try:
        return template.format(**values)
    except KeyError as exc:
        raise MessageError(f"{code}: the rule gave no parameter {exc}") from None


def render(code: str, params: Mapping[str, object]) -> dict[str, str]:
    """The sentence of ``code`` in each language it has, with ``params`` filled in.

    A parameter that is a :class:`Msg` is rendered in the same language first.
    """
    return {language: _fill(code, language, params) for language in _texts(code)}
