"""Rate limits of the self-service channel (django-ratelimit): per client, per network and
per contact. A refused submission is audited (ids only) and answered 429 with
``Retry-After``; nothing is written.

- client: the address the request came from (``REMOTE_ADDR``; behind a proxy, set
  ``ASILO_CLIENT_IP_HEADER``), ``ASILO_SELF_SERVICE_RATE_CLIENT`` (default ``20/h``);
- network: the client's IPv4 /24 or IPv6 /48, ``ASILO_SELF_SERVICE_RATE_NETWORK`` (``60/h``);
- contact: each phone, WhatsApp number or e-mail the submission gives (a keyed digest, never
  the value), ``ASILO_SELF_SERVICE_RATE_CONTACT`` (``5/d``).

The counters live in the ``default`` cache (``ASILO_CACHE_URL``; the database by default,
memcached or redis for several servers).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage

from asilo.web.audit.services import audit_refusal
from asilo.web.core.digests import keyed_digest
from asilo.web.core.errors import CoreError, CoreErrorCode

GROUP = "asilo.self_service"
_DIGITS = re.compile(r"\D+")


def client_address(request: HttpRequest) -> str:
    header = getattr(settings, "ASILO_CLIENT_IP_HEADER", "")
    if header:
        forwarded = str(request.META.get(header, "")).split(",")[0].strip()
        if forwarded:
            return forwarded
    return str(request.META.get("REMOTE_ADDR", "") or "unknown")


def network_of(address: str) -> str:
    """The /24 (IPv4) or /48 (IPv6) an address belongs to; the address itself otherwise."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def _contact_keys(data: Mapping[str, Any]) -> list[str]:
    keys = []
    for name in ("phone", "whatsapp"):
        digits = _DIGITS.sub("", str(data.get(name) or ""))
        if digits:
            keys.append(f"phone:{digits[-10:]}")
    email = str(data.get("email") or "").strip().lower()
    if email:
        keys.append(f"email:{email}")
    return [keyed_digest("ratelimit.contact", k) for k in keys]


@dataclass(frozen=True)
class Limited:
    """Which limit a submission hit, and when to try again."""

    scope: str  # client | network | contact
    retry_after: int


def _check(request: HttpRequest, scope: str, value: str, rate: str) -> Limited | None:
    usage = get_usage(
        request,
        group=f"{GROUP}.{scope}",
        key=lambda _group, _request: value,
        rate=rate,
        method=["POST"],
        increment=True,
    )
    if usage is not None and usage["should_limit"]:
        return Limited(scope, max(1, int(usage["time_left"])))
    return None


def self_service_limited(request: HttpRequest, data: Mapping[str, Any]) -> Limited | None:
    """Count this self-service submission against every limit; the first one exceeded."""
    address = client_address(request)
    checks: Iterable[tuple[str, str, str]] = [
        ("client", address, getattr(settings, "ASILO_SELF_SERVICE_RATE_CLIENT", "20/h")),
        (
            "network",
            network_of(address),
            getattr(settings, "ASILO_SELF_SERVICE_RATE_NETWORK", "60/h"),
        ),
        *(
            ("contact", key, getattr(settings, "ASILO_SELF_SERVICE_RATE_CONTACT", "5/d"))
            for key in _contact_keys(data)
        ),
    ]
    hit: Limited | None = None
    for scope, value, rate in checks:
        limited = _check(request, scope, value, rate)
        if limited is not None and hit is None:
            hit = limited
    return hit


class RateLimited(CoreError):
    """429: too many self-service submissions (``retry_after`` seconds)."""

    def __init__(self, limited: Limited) -> None:
        super().__init__(CoreErrorCode.RATE_LIMITED)
        self.retry_after = limited.retry_after
        self.scope = limited.scope


def refuse_if_rate_limited(request: HttpRequest, data: Mapping[str, Any]) -> None:
    """Raise :class:`RateLimited` (audited: the scope, never the address or contact)."""
    limited = self_service_limited(request, data)
    if limited is None:
        return
    audit_refusal(
        actor=None,
        object_type="registrations.registration",
        note=f"self-service rate limit ({limited.scope})",
    )
    raise RateLimited(limited)
