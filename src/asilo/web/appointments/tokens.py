"""The code printed as a QR on the appointment notice: a signed token of the appointment id.

``django.core.signing`` with its own salt: the token carries only the appointment's id (no
personal data) and an HMAC from ``SECRET_KEY``, so it cannot be forged or altered. A cancelled
appointment's token still verifies; check-in refuses it by the appointment's status.
"""

from __future__ import annotations

import segno
from django.core import signing
from django.utils.safestring import SafeString, mark_safe

from asilo.web.appointments.errors import AppointmentError
from asilo.web.appointments.errors import AppointmentErrorCode as C

SALT = "asilo.appointments.notice-token"
MAX_TOKEN_LENGTH = 200


def notice_token(appointment_id: int) -> str:
    """The signed token for an appointment (e.g. ``MTI:1tXk...``)."""
    return signing.dumps(int(appointment_id), salt=SALT)


def appointment_id_from_token(token: str) -> int:
    """The appointment id in a token; ``token_invalid`` when it was not made by asilo."""
    token = (token or "").strip()
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise AppointmentError(C.TOKEN_INVALID, "code")
    try:
        value = signing.loads(token, salt=SALT)
    except signing.BadSignature as exc:
        raise AppointmentError(C.TOKEN_INVALID, "code") from exc
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise AppointmentError(C.TOKEN_INVALID, "code")
    return value


def qr_svg(token: str, *, title: str = "", scale: int = 5) -> SafeString:
    """The token as an inline SVG QR code (segno), error correction level M."""
    code = segno.make(token, error="m", micro=False)
    # segno writes the SVG itself; the token is ASCII from signing.dumps and the title escaped.
    return mark_safe(code.svg_inline(scale=scale, title=title or None, border=4))
