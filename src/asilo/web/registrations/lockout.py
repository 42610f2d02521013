"""Signing in with a registration number and PIN: the attacker's attempts are locked, not the
family (issue 11).

Wrong PINs are counted with django-ratelimit in the ``default`` cache, twice:

- **per client** (the address the request came from, ``ASILO_CLIENT_IP_HEADER`` behind a
  proxy): ``ASILO_PIN_RATE_CLIENT`` (default ``10/h``) wrong PINs, whatever the numbers;
- **per number** (a keyed digest of the number as typed and normalised, whether it exists or
  not): ``ASILO_PIN_FAILURE_LIMIT`` (default 5) wrong PINs within ``ASILO_PIN_LOCK_MINUTES``
  (default 30), from every client together.

Either limit reached answers ``status_lookup_locked`` (429), and a wrong PIN
``status_lookup_failed`` (401), in the same words for a registered number and an unknown one,
after the same work (see :func:`asilo.web.registrations.services.registration_status_lookup`):
nothing tells whether a number exists.

Someone who knows a family's number can exhaust the number's count, but cannot lock the
family out: the family asks for a one-time code sent to its own phone or e-mail (the
recovery is not counted here), chooses a new PIN, and the browser that did so is trusted for
that number (:func:`trust`, in its session): the number's count no longer applies to it; the
client's count still does.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit import ALL
from django_ratelimit.core import get_usage

from asilo.web.audit.services import audit_refusal
from asilo.web.core.digests import keyed_digest
from asilo.web.core.ratelimits import client_address
from asilo.web.registrations.errors import RegistrationError
from asilo.web.registrations.errors import RegistrationErrorCode as C
from asilo.web.registrations.models import Registration
from asilo.web.registrations.numbers import normalise_number

GROUP = "asilo.pin"
TRUSTED = "asilo_pin_trusted"


def _rates() -> dict[str, str]:
    failures = int(getattr(settings, "ASILO_PIN_FAILURE_LIMIT", 5))
    minutes = int(getattr(settings, "ASILO_PIN_LOCK_MINUTES", 30))
    return {
        "client": str(getattr(settings, "ASILO_PIN_RATE_CLIENT", "10/h")),
        "number": f"{failures}/{minutes}m",
    }


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _period_minutes(rate: str) -> int:
    """``"10/h"`` → 60, ``"5/30m"`` → 30 (django-ratelimit's rate syntax)."""
    period = rate.partition("/")[2] or "h"
    multiplier = int(period[:-1]) if period[:-1].isdigit() else 1
    return max(1, multiplier * _UNITS.get(period[-1], 3600) // 60)


def number_key(number: str) -> str:
    return keyed_digest("pin.number", normalise_number(number))


def _usage(request: HttpRequest, scope: str, value: str, *, increment: bool) -> Any:
    return get_usage(
        request,
        group=f"{GROUP}.{scope}",
        key=lambda _group, _request: value,
        rate=_rates()[scope],
        method=ALL,
        increment=increment,
    )


def _counted(request: HttpRequest, number: str) -> list[tuple[str, str]]:
    scopes = [("client", client_address(request))]
    key = number_key(number)
    if key not in request.session.get(TRUSTED, []):
        scopes.append(("number", key))
    return scopes


def _refuse_when_over(request: HttpRequest, number: str, *, increment: bool = False) -> None:
    """``status_lookup_locked`` when a count has reached its limit (``increment``: count this
    wrong PIN first, so the one that reaches the limit is answered as locked)."""
    usages = [
        (scope, _usage(request, scope, value, increment=increment))
        for scope, value in _counted(request, number)
    ]
    for scope, usage in usages:
        if usage is not None and usage["count"] >= usage["limit"]:
            audit_refusal(
                actor=None,
                object_type="registrations.registration",
                note=f"PIN sign-in limit ({scope})",
            )
            # The whole period, not the time left in this window: django-ratelimit offsets
            # each value's window, and the answer must not differ from one number to another.
            minutes = _period_minutes(_rates()[scope])
            raise RegistrationError(C.STATUS_LOOKUP_LOCKED, "pin", minutes=minutes)


def status_lookup(request: HttpRequest, *, number: str, pin: str) -> Registration:
    """The registration for ``number`` and ``pin`` (the status page, the notice page), within
    the limits above; a wrong PIN counts against the client and the number."""
    from asilo.web.registrations.services import registration_status_lookup

    _refuse_when_over(request, number)
    try:
        return registration_status_lookup(number=number, pin=pin)
    except RegistrationError as exc:
        if exc.code == C.STATUS_LOOKUP_FAILED:
            _refuse_when_over(request, number, increment=True)
        raise


def trust(request: HttpRequest, number: str) -> None:
    """This browser recovered the number's PIN through the code sent to the family's contact:
    the number's count no longer applies to it (its session)."""
    trusted = [k for k in request.session.get(TRUSTED, []) if isinstance(k, str)][-9:]
    key = number_key(number)
    if key not in trusted:
        request.session[TRUSTED] = [*trusted, key]


CODE_GROUP = "asilo.pin.code"


def _code_rate() -> str:
    return str(getattr(settings, "ASILO_PIN_CODE_RATE_CLIENT", "5/15m"))


def code_tries(request: HttpRequest, *, wrong: bool = False) -> None:
    """Wrong recovery codes from one client (its address), whatever the number: at
    ``ASILO_PIN_CODE_RATE_CLIENT`` (default ``5/15m``) that client gets ``pin_code_locked``
    (429) and its guesses stop, while the family, on its own phone, still uses its code
    (``wrong``: count this wrong code first)."""
    usage = get_usage(
        request,
        group=CODE_GROUP,
        key=lambda _group, _request: client_address(request),
        rate=_code_rate(),
        method=ALL,
        increment=wrong,
    )
    if usage is not None and usage["count"] >= usage["limit"]:
        audit_refusal(
            actor=None,
            object_type="registrations.registration",
            note="PIN recovery code limit (client)",
        )
        raise RegistrationError(C.PIN_CODE_LOCKED, "code", minutes=_period_minutes(_code_rate()))
