"""The A-number (Alien Registration Number): one way to read what people type.

Officers and families write it as ``A-012 345 678``, ``A012345678``, ``12345678`` or
``012-345-678``; all are the same number, stored as its nine digits (zero-padded).
"""

from __future__ import annotations

import re

_A_NUMBER = re.compile(r"^\d{8,9}$")
#: Spaces and the punctuation people put between digit groups.
_SEPARATORS = re.compile(r"[\s().\-/]")


def normalise_a_number(raw: str) -> str | None:
    """``A-012 345 678`` → ``012345678`` (nine digits); ``None`` when it is not an A-number."""
    compact = _SEPARATORS.sub("", raw).upper().removeprefix("A")
    if not _A_NUMBER.match(compact):
        return None
    return compact.zfill(9)
