"""Registration numbers, PINs and keyed digests: the registrations app's own vocabulary,
imported by its services, selectors and pages and by the apps built on it."""

from __future__ import annotations

import secrets

from asilo.web.core.digests import keyed_digest

_NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def digest(kind: str, value: str) -> str:
    """Keyed digest (core's, purpose ``registrations.<kind>``) used to group values without
    reading them."""
    return keyed_digest(f"registrations.{kind}", value)


def optional_digest(kind: str, value: str | None) -> str | None:
    return digest(kind, value) if value else None


def new_number() -> str:
    """``R-7K2M-9QXA``: 8 random characters without 0/O, 1/I/L (easy to read out by phone)."""
    chars = "".join(secrets.choice(_NUMBER_ALPHABET) for _ in range(8))
    return f"R-{chars[:4]}-{chars[4:]}"


def normalise_number(raw: str) -> str:
    """``r 7k2m 9qxa``, ``7K2M9QXA`` or ``R-7K2M-9QXA`` → ``R-7K2M-9QXA`` (as read out by phone)."""
    chars = "".join(c for c in raw.upper() if c.isalnum())
    if len(chars) == 9 and chars.startswith("R"):
        chars = chars[1:]
    if len(chars) != 8:
        return raw.strip().upper()
    return f"R-{chars[:4]}-{chars[4:]}"


def new_pin() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def pin_hash(pin: str, salt: str) -> str:
    """Keyed hash of the PIN: useless without ``SECRET_KEY``; wrong tries are rate-limited."""
    return keyed_digest("registrations.pin", salt + pin)
