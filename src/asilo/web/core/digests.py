"""The keyed digest: compare or group personal values without storing them in clear.

``keyed_digest(purpose, value)`` is HMAC-SHA256 with a key derived from ``SECRET_KEY`` and the
purpose (Django's ``salted_hmac``): the same value gives the same digest for one purpose only,
and nobody without the secret can test a guess. Purposes are dotted names owned by one app
(``"registrations.phone"``, ``"ratelimit.contact"``).
"""

from __future__ import annotations

from django.utils.crypto import salted_hmac


def keyed_digest(purpose: str, value: str) -> str:
    """Hex HMAC-SHA256 of ``value`` under the key for ``purpose``."""
    return salted_hmac(f"asilo.{purpose}", value, algorithm="sha256").hexdigest()
