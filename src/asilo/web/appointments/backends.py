"""Where messages go: the notification backends, chosen from the environment.

E-mail goes through Django's SMTP backend, configured by ``ASILO_SMTP_HOST``,
``ASILO_SMTP_PORT`` (587), ``ASILO_SMTP_USER``, ``ASILO_SMTP_PASSWORD``, ``ASILO_SMTP_STARTTLS``
(on by default) or ``ASILO_SMTP_SSL`` (implicit TLS, usually port 465) and
``ASILO_SMTP_TIMEOUT`` (10 s); ``ASILO_NOTICE_FROM_EMAIL`` is the sender.

SMS goes through an HTTP gateway (:class:`HttpSmsBackend`), configured by
``ASILO_SMS_GATEWAY_URL``, ``ASILO_SMS_GATEWAY_TOKEN`` and ``ASILO_SMS_GATEWAY_TIMEOUT`` (10 s).
The gateway's interface, one request per message::

    POST <ASILO_SMS_GATEWAY_URL>
    Authorization: Bearer <ASILO_SMS_GATEWAY_TOKEN>
    Content-Type: application/json
    Idempotency-Key: asilo-outbox-<id>

    {"to": "+526641234567", "body": "<the text>", "reference": "asilo-outbox-<id>"}

Any 2xx answer means the gateway accepted the message (it is then marked *sent*). Anything
else (another status, a redirect, a timeout, a refused connection) means it was not sent: the
outbox marks it *failed* and retries it. The reference is the same on every attempt, so a
gateway can drop a repeat.

Without them (the demo) messages are printed (console backends). **Production refuses console
and in-memory backends** at start-up unless ``ASILO_ALLOW_CONSOLE_NOTIFICATIONS=1`` says so
(they print addresses to the server's output: a staging server, never real families).

This module imports nothing of Django's models: the settings module calls
:func:`notification_settings` before the apps load.
"""

from __future__ import annotations

import ipaddress
import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from asilo.web.appointments.models import OutboxMessage

SMTP = "django.core.mail.backends.smtp.EmailBackend"
CONSOLE_EMAIL = "django.core.mail.backends.console.EmailBackend"
HTTP_SMS = "asilo.web.appointments.backends.HttpSmsBackend"
CONSOLE_SMS = "asilo.web.appointments.notifications.ConsoleSmsBackend"
LOCMEM_SMS = "asilo.web.appointments.notifications.LocmemSmsBackend"
SMS_SHORT_NAMES = {"http": HTTP_SMS, "console": CONSOLE_SMS, "locmem": LOCMEM_SMS}
#: Backends that do not deliver anything to anybody (they print or keep messages).
NOT_DELIVERING = frozenset(
    {
        CONSOLE_EMAIL,
        "django.core.mail.backends.locmem.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
        "django.core.mail.backends.dummy.EmailBackend",
        CONSOLE_SMS,
        LOCMEM_SMS,
    }
)
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class DeliveryError(RuntimeError):
    """A backend could not hand the message over (the outbox retries it)."""


class NotificationConfigError(ValueError):
    """The notification settings cannot work (the server refuses to start)."""


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise NotificationConfigError(f"{name} must be 1 or 0 (it is {raw!r}).")


def _number(env: Mapping[str, str], name: str, default: int, *, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise NotificationConfigError(f"{name} must be a whole number from {low} to {high}.")
    return int(raw)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _gateway_url(raw: str, *, production: bool) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise NotificationConfigError(
            "ASILO_SMS_GATEWAY_URL must be an http(s) address, such as "
            "https://sms.example.org/v1/messages."
        )
    if production and parts.scheme != "https" and not _loopback(parts.hostname):
        raise NotificationConfigError(
            "ASILO_SMS_GATEWAY_URL must use https in production (phone numbers and the token "
            "would cross the network in clear); plain http is allowed only to this machine."
        )
    return raw


def notification_settings(env: Mapping[str, str], *, production: bool) -> dict[str, Any]:
    """The Django settings of both channels from the environment ``env``.

    Raises :class:`NotificationConfigError` (with what to set) when they cannot work, or when
    production would print messages instead of sending them without
    ``ASILO_ALLOW_CONSOLE_NOTIFICATIONS=1``.
    """
    values: dict[str, Any] = {}
    host = env.get("ASILO_SMTP_HOST", "").strip()
    email_backend = env.get("ASILO_EMAIL_BACKEND", "").strip() or (SMTP if host else CONSOLE_EMAIL)
    if email_backend == SMTP:
        if not host:
            raise NotificationConfigError("The SMTP e-mail backend needs ASILO_SMTP_HOST.")
        starttls = _flag(env, "ASILO_SMTP_STARTTLS", True)
        implicit_tls = _flag(env, "ASILO_SMTP_SSL", False)
        if starttls and implicit_tls:
            raise NotificationConfigError(
                "Set either ASILO_SMTP_STARTTLS or ASILO_SMTP_SSL, not both "
                "(ASILO_SMTP_SSL=1 needs ASILO_SMTP_STARTTLS=0)."
            )
        user = env.get("ASILO_SMTP_USER", "")
        password = env.get("ASILO_SMTP_PASSWORD", "")
        if bool(user) != bool(password):
            raise NotificationConfigError(
                "ASILO_SMTP_USER and ASILO_SMTP_PASSWORD go together (set both or neither)."
            )
        values.update(
            EMAIL_HOST=host,
            EMAIL_PORT=_number(
                env, "ASILO_SMTP_PORT", 465 if implicit_tls else 587, low=1, high=65535
            ),
            EMAIL_HOST_USER=user,
            EMAIL_HOST_PASSWORD=password,
            EMAIL_USE_TLS=starttls,
            EMAIL_USE_SSL=implicit_tls,
            EMAIL_TIMEOUT=_number(env, "ASILO_SMTP_TIMEOUT", 10, low=1, high=300),
        )
    values["EMAIL_BACKEND"] = email_backend
    sender = env.get("ASILO_NOTICE_FROM_EMAIL", "").strip()
    if sender:
        values["ASILO_NOTICE_FROM_EMAIL"] = sender
        values["DEFAULT_FROM_EMAIL"] = sender

    url = env.get("ASILO_SMS_GATEWAY_URL", "").strip()
    raw_sms = env.get("ASILO_SMS_BACKEND", "").strip() or ("http" if url else "console")
    sms_backend = SMS_SHORT_NAMES.get(raw_sms, raw_sms)
    if sms_backend == HTTP_SMS:
        token = env.get("ASILO_SMS_GATEWAY_TOKEN", "").strip()
        if not url or not token:
            raise NotificationConfigError(
                "The HTTP SMS gateway needs ASILO_SMS_GATEWAY_URL and ASILO_SMS_GATEWAY_TOKEN."
            )
        values.update(
            ASILO_SMS_GATEWAY_URL=_gateway_url(url, production=production),
            ASILO_SMS_GATEWAY_TOKEN=token,
            ASILO_SMS_GATEWAY_TIMEOUT=_number(
                env, "ASILO_SMS_GATEWAY_TIMEOUT", 10, low=1, high=300
            ),
        )
    values["ASILO_SMS_BACKEND"] = sms_backend

    allowed = _flag(env, "ASILO_ALLOW_CONSOLE_NOTIFICATIONS", False)
    values["ASILO_ALLOW_CONSOLE_NOTIFICATIONS"] = allowed
    printing = [b for b in (email_backend, sms_backend) if b in NOT_DELIVERING]
    if production and printing and not allowed:
        raise NotificationConfigError(
            "Production sends real notifications: set ASILO_SMTP_HOST (e-mail through SMTP) "
            "and ASILO_SMS_GATEWAY_URL with ASILO_SMS_GATEWAY_TOKEN (SMS through the HTTP "
            "gateway). These would only print or keep messages: "
            + ", ".join(printing)
            + ". ASILO_ALLOW_CONSOLE_NOTIFICATIONS=1 allows that (a staging server only: "
            "addresses end up in the server's output)."
        )
    return values


def reference_of(message: OutboxMessage) -> str:
    """The message's reference at the gateway: the same on every attempt."""
    return f"asilo-outbox-{message.pk}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is not an acceptance: the message is not sent (and the body is not re-posted
    somewhere else)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class HttpSmsBackend:
    """SMS through the HTTP gateway described in this module's docstring."""

    def __init__(
        self, url: str | None = None, token: str | None = None, timeout: float | None = None
    ) -> None:
        from django.conf import settings

        self.url = url or str(getattr(settings, "ASILO_SMS_GATEWAY_URL", ""))
        self.token = token or str(getattr(settings, "ASILO_SMS_GATEWAY_TOKEN", ""))
        self.timeout = timeout or float(getattr(settings, "ASILO_SMS_GATEWAY_TIMEOUT", 10))
        if not self.url or not self.token:
            raise DeliveryError("no SMS gateway configured")
        self._opener = urllib.request.build_opener(_NoRedirects)

    def send(self, message: OutboxMessage) -> None:
        reference = reference_of(message)
        request = urllib.request.Request(
            self.url,
            data=json.dumps(
                {"to": message.address, "body": message.body, "reference": reference}
            ).encode(),
            method="POST",
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Idempotency-Key": reference,
                "User-Agent": "asilo-outbox",
            },
        )
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                status = int(response.status)
                response.read()
        except urllib.error.HTTPError as exc:
            # Only the status: the gateway's answer may repeat the number or the text.
            raise DeliveryError(f"gateway answered {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DeliveryError(f"gateway unreachable ({type(reason).__name__})") from None
        if not 200 <= status < 300:
            raise DeliveryError(f"gateway answered {status}")
