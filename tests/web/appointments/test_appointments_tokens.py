"""The notice's QR token: a round trip, and forged or altered tokens refused."""

from __future__ import annotations

import pytest
import segno
from django.core import signing

from asilo.web.appointments.errors import AppointmentError
from asilo.web.appointments.tokens import SALT, appointment_id_from_token, notice_token, qr_svg


def test_round_trip() -> None:
    token = notice_token(1234)
    assert appointment_id_from_token(token) == 1234
    assert appointment_id_from_token(f"  {token}\n") == 1234


def test_token_holds_only_the_id() -> None:
    token = notice_token(98765)
    payload = token.split(":")[0]
    assert signing.b64_decode(payload.encode()) == b"98765"


@pytest.mark.parametrize(
    "make",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature altered
        lambda t: signing.dumps(4321, salt="another.salt"),  # signed for another purpose
        lambda t: signing.b64_encode(b"4321").decode() + ":" + t.split(":", 1)[1],  # id swapped
        lambda t: signing.dumps(4321, salt=SALT, key="not-the-secret-key-at-all-0123456789"),
        lambda t: "R-1234",
        lambda t: "x" * 500,
        lambda t: signing.dumps("4321", salt=SALT),  # signed, but not an id
    ],
)
def test_forged_or_tampered_token_refused(make) -> None:
    with pytest.raises(AppointmentError) as err:
        appointment_id_from_token(make(notice_token(1234)))
    assert err.value.code == "token_invalid"


def test_qr_code_is_svg_and_small() -> None:
    token = notice_token(55)
    svg = str(qr_svg(token, title="code"))
    assert svg.startswith("<svg") and "<title>code</title>" in svg
    # Small enough to scan from a cheap phone screen or a print-out (33x33 modules or fewer).
    assert segno.make(token, error="m", micro=False).version <= 4
