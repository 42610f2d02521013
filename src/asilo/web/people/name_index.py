"""A blind index for name search: accent-insensitive, tolerant of one lost or wrong letter.

Names are encrypted at rest, so the database cannot compare them. Instead each name is cut into
normalised tokens (unidecode, lower case, letters and digits only) and, for every token, the
index stores keyed digests (core's :func:`~asilo.web.core.digests.keyed_digest`, purpose
``people.name-index``) of the token and of each variant with one letter deleted. A query token
is digested the same way; two tokens meet when they share a digest, i.e. when they are equal or
one deletion away from a common string (a lost letter, an extra letter, or one wrong letter):
"Lpez" meets "López", "Lopes" meets "López", "Lopes" does not meet "Martínez". The candidates
are then ranked with rapidfuzz on the decrypted names. After rotating ``SECRET_KEY``, rebuild the
index (``manage.py reindex_names``). Entries of an earlier scheme (a key of the app's own) were
recomputed by migration ``people.0002``, now part of the app's squashed migration.
"""

from __future__ import annotations

from asilo.web.core.digests import keyed_digest
from asilo.web.core.names import normalise_name

#: The purposes of the keyed digests this module makes (core's scheme, one key per purpose).
NAME_PURPOSE = "people.name-index"
A_NUMBER_PURPOSE = "people.a-number"

#: Tokens shorter than this are ignored (initials, "y").
MIN_TOKEN = 2
#: Only tokens at least this long get one-deletion variants (short ones would match too much).
MIN_TOKEN_FOR_VARIANTS = 4


def normalise(text: str) -> str:
    """Lower-case ASCII letters and digits separated by single spaces (the shared name
    normalisation of :mod:`asilo.web.core.names`)."""
    return normalise_name(text)


def tokens(text: str) -> list[str]:
    return [t for t in normalise(text).split() if len(t) >= MIN_TOKEN]


def variants(token: str) -> set[str]:
    """The token and, if long enough, every string one deletion away from it."""
    out = {token}
    if len(token) >= MIN_TOKEN_FOR_VARIANTS:
        out.update(token[:i] + token[i + 1 :] for i in range(len(token)))
    return out


def digest(text: str) -> str:
    """The keyed digest of one name token (or variant)."""
    return keyed_digest(NAME_PURPOSE, text)


def token_digests(token: str) -> set[str]:
    return {digest(v) for v in variants(token)}


def name_digests(*names: str | None) -> set[str]:
    """Every digest to store for a person with these names."""
    out: set[str] = set()
    for name in names:
        for token in tokens(name or ""):
            out |= token_digests(token)
    return out


def a_number_digest(a_number: str) -> str:
    """Keyed digest of a normalised A-number, for exact lookup without storing it in clear."""
    return keyed_digest(A_NUMBER_PURPOSE, a_number)
