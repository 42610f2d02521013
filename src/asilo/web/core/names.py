"""Names compared without their accents, case or punctuation (one normalisation for all).

``"María-José  López"`` → ``"maria jose lopez"``; ``"O'Brien"`` → ``"obrien"``: letters and
digits in lower-case ASCII (unidecode), apostrophes dropped (so ``O'Brien`` meets ``OBrien``),
anything else a single space. The name index, the duplicate checks and the matching of
places all compare names in this form.
"""

from __future__ import annotations

import re

from unidecode import unidecode

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def normalise_name(text: str | None) -> str:
    """Lower-case ASCII letters and digits separated by single spaces."""
    ascii_text = unidecode(text or "").lower().replace("'", "").replace("’", "")
    return " ".join(_NOT_ALNUM.sub(" ", ascii_text).split())
