"""Is a production secret good enough? Not missing, not published, long and random enough.

Used by the settings (a production process refuses to start) and by ``check --deploy``.
Plain Python: the settings import it before Django is configured.
"""

from __future__ import annotations

import math
from collections import Counter

#: Values published in this repository (the demo's), or in Django's own templates.
PUBLISHED = frozenset(
    {
        "asilo-demo-only-not-secret-" + "x" * 24,
        "asilo-demo-salt",
    }
)
PUBLISHED_PREFIXES = ("django-insecure-", "asilo-demo")

#: Minimums: the secret key (signing, sessions, field-encryption keys) and the salt.
KEY_MIN_LENGTH = 50
KEY_MIN_BITS = 200
SALT_MIN_LENGTH = 16
SALT_MIN_BITS = 64


def estimated_bits(value: str) -> float:
    """Shannon entropy of the value's characters times its length (an upper bound on what a
    guesser faces; a repeated or patterned value scores low)."""
    if not value:
        return 0.0
    counts = Counter(value)
    n = len(value)
    per_char = -sum(c / n * math.log2(c / n) for c in counts.values())
    return max(0.0, per_char * n)


def secret_problem(value: str, *, name: str, min_length: int, min_bits: int) -> str | None:
    """Why ``value`` may not be used as ``name`` in production, or ``None``."""
    if not value:
        return f"{name} must be set in production."
    if value in PUBLISHED or value.startswith(PUBLISHED_PREFIXES):
        return f"{name} is a published value (the demo's); set a random one."
    if len(value) < min_length:
        return (
            f"{name} must be a random value of at least {min_length} characters "
            f"(it has {len(value)})."
        )
    bits = estimated_bits(value)
    if bits < min_bits:
        return (
            f"{name} is too predictable (about {bits:.0f} bits; at least {min_bits} needed): "
            "use a random value, e.g. "
            "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'."
        )
    return None


def key_problem(value: str) -> str | None:
    return secret_problem(
        value, name="ASILO_SECRET_KEY", min_length=KEY_MIN_LENGTH, min_bits=KEY_MIN_BITS
    )


def salt_problem(values: list[str]) -> str | None:
    if not values:
        return "ASILO_FIELD_ENCRYPTION_SALT must be set in production."
    return secret_problem(
        values[0],
        name="ASILO_FIELD_ENCRYPTION_SALT",
        min_length=SALT_MIN_LENGTH,
        min_bits=SALT_MIN_BITS,
    )
