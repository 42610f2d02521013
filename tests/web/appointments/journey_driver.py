"""The whole family journey under production settings, as one process (the "server"), for
``test_journey_logs_no_personal_data.py``.

Run with production's environment (key, salt, SMTP host, SMS gateway; ``ASILO_LOG_LEVEL=DEBUG``)
and ``JOURNEY_LOG`` naming a file: every log record of every logger goes there (and, through
the settings' own handler, to standard error). The requests go through Django's whole stack
(middleware, views, API, background tasks) with HTTPS as production demands.

The family registers itself on 14 June 2023 (the policy catalogue covers 2019-2024, so the
process travels there with time-machine), confirms its phone with the code it receives by SMS
(through the fake gateway),
looks at its status (once with a wrong PIN), recovers its PIN through a code, the supervisor
sets a capacity and runs the allocation (the notice goes out by SMS and e-mail), the family
opens its notice, and on 15 June the officer checks it in, which starts its encounter.

Prints one JSON line: what happened (the test checks it).
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import urllib.request
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import django

EASTERN = ZoneInfo("America/New_York")
PROGRAM = "port-appointments-2023"
FAMILY = json.loads(os.environ["JOURNEY_FAMILY"])


def _capture_every_record(path: str) -> None:
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    handler.setLevel(logging.DEBUG)
    # The levels stay as production's LOGGING sets them (ASILO_LOG_LEVEL=DEBUG for the root):
    # the file gets every record production would write.
    logging.getLogger().addHandler(handler)
    for logger in list(logging.root.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger) and not logger.propagate:
            logger.addHandler(handler)


def _gateway_messages() -> list[dict[str, str]]:
    base = os.environ["ASILO_SMS_GATEWAY_URL"].rsplit("/v1/", 1)[0]
    with urllib.request.urlopen(f"{base}/messages", timeout=5) as answer:
        return list(json.loads(answer.read()))


def _code_in(text: str) -> str:
    match = re.search(r"\b(\d{6})\b", text)
    assert match, "no code in the message"
    return match.group(1)


def main() -> None:
    django.setup()
    _capture_every_record(os.environ["JOURNEY_LOG"])
    import time_machine
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    assert settings.PRODUCTION and not settings.DEBUG
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)

    from asilo.web.accounts.services import token_create, user_create
    from asilo.web.appointments.models import Appointment, OutboxMessage
    from asilo.web.registrations.models import Registration
    from asilo.web.registrations.programs import ensure_default_programs

    ensure_default_programs()
    supervisor = user_create(
        actor=None, username="journey.supervisor", role="supervisor", password=None
    )
    officer = user_create(actor=None, username="journey.officer", role="officer", password=None)
    supervisor_api = {"Authorization": f"Bearer {token_create(actor=None, user=supervisor)}"}
    officer_api = {"Authorization": f"Bearer {token_create(actor=None, user=officer)}"}
    done: dict[str, Any] = {}

    def call(client: Client, method: str, path: str, **kwargs: Any) -> Any:
        response = getattr(client, method)(path, secure=True, **kwargs)
        done.setdefault("statuses", []).append([method, path.split("?")[0], response.status_code])
        return response

    with time_machine.travel(datetime(2023, 6, 14, 10, 0, tzinfo=EASTERN), tick=True) as travel:
        # 1. The family registers itself on its phone, in Kreyòl.
        family = Client(HTTP_ACCEPT_LANGUAGE="ht", REMOTE_ADDR="203.0.113.7")
        call(family, "get", f"/registrations/new/?program={PROGRAM}&size=2")
        principal, child = FAMILY["members"]
        form = {
            "program": PROGRAM,
            "size": "2",
            "client_request_id": str(uuid.uuid4()),
            "m0-given_names": principal["given_names"],
            "m0-surnames": principal["surnames"],
            "m0-date_of_birth": principal["date_of_birth"],
            "m0-sex": "female",
            "m0-nationality": "HTI",
            "m1-given_names": child["given_names"],
            "m1-surnames": child["surnames"],
            "m1-date_of_birth": child["date_of_birth"],
            "m1-sex": "male",
            "m1-nationality": "HTI",
            "m1-relationship": "child",
            "phone": FAMILY["phone"],
            "email": FAMILY["email"],
            "waiting_city": "Tijuana",
            "port1": "San Ysidro",
            "language": "ht",
        }
        answer = call(family, "post", "/registrations/new/", data=form)
        assert answer.status_code == 302, answer.content[:2000]
        page = call(family, "get", answer["Location"]).content.decode()
        number = re.search(r'id="number">([^<]+)<', page).group(1).strip()  # type: ignore[union-attr]
        pin = re.search(r'id="pin">([^<]+)<', page).group(1).strip()  # type: ignore[union-attr]
        registration = Registration.objects.get(number=number)
        done["number"] = number
        done["before_code"] = registration.status

        # 1b. The code sent to its phone (through the SMS gateway): the family joins the queue.
        code = _code_in(_gateway_messages()[-1]["body"])
        confirmed = call(
            family, "post", "/registrations/verify/", data={"number": number, "code": code}
        )
        assert confirmed.status_code == 200, confirmed.content[:2000]

        # 2. The status page: once with a wrong PIN, then with the right one.
        call(family, "post", "/registrations/status/", data={"number": number, "pin": "000000"})
        status = call(family, "post", "/registrations/status/", data={"number": number, "pin": pin})
        assert status.status_code == 200
        done["status"] = Registration.objects.get(pk=registration.pk).status

        # 3. The family lost its PIN: a code by SMS, then a new PIN.
        call(
            family,
            "post",
            "/registrations/status/recover/",
            data={"number": number, "action": "send"},
        )
        code = _code_in(_gateway_messages()[-1]["body"])
        recovered = call(
            family,
            "post",
            "/registrations/status/recover/",
            data={"number": number, "action": "confirm", "code": code},
        ).content.decode()
        pin = re.search(r'id="new-pin">([^<]+)<', recovered).group(1).strip()  # type: ignore[union-attr]

        # 4. That evening the supervisor sets San Ysidro's capacity and runs the allocation.
        travel.move_to(datetime(2023, 6, 14, 18, 0, tzinfo=EASTERN))
        staff = Client()
        call(
            staff,
            "put",
            "/api/v1/appointments/capacities",
            data={"program": PROGRAM, "port": "San Ysidro", "date": "2023-06-15", "capacity": 40},
            content_type="application/json",
            headers=supervisor_api,
        )
        queued = call(
            staff,
            "post",
            "/api/v1/appointments/runs",
            data={"program": PROGRAM, "start": "2023-06-15", "seed": 20230614},
            content_type="application/json",
            headers=supervisor_api,
        )
        assert queued.status_code == 202, queued.content
        appointment = Appointment.objects.get(registration=registration)
        done["messages"] = sorted(
            [m.kind, m.channel, m.status]
            for m in OutboxMessage.objects.filter(registration=registration)
        )

        # 5. The family opens its notice with its number and (new) PIN.
        call(family, "post", "/appointments/my/", data={"number": number, "pin": pin})
        notice = call(family, "get", "/appointments/my/notice/")
        done["notice"] = notice.status_code

        # 6. A supervisor reads the family's record (an audited read).
        staff.force_login(supervisor, backend="django.contrib.auth.backends.ModelBackend")
        call(staff, "get", f"/registrations/staff/{number}/")

        # 7. On 15 June the officer checks the family in at the port (once with a wrong code).
        travel.move_to(datetime(2023, 6, 15, 9, 30, tzinfo=EASTERN))
        officer_client = Client()
        call(
            officer_client,
            "post",
            "/api/v1/appointments/check-in",
            data={"code": "R-2222-2222"},
            content_type="application/json",
            headers=officer_api,
        )
        checked = call(
            officer_client,
            "post",
            "/api/v1/appointments/check-in",
            data={"code": number},
            content_type="application/json",
            headers=officer_api,
        )
        assert checked.status_code == 200, checked.content
        done["encounter"] = checked.json()["encounter"]
        officer_client.force_login(officer, backend="django.contrib.auth.backends.ModelBackend")
        call(officer_client, "get", f"/processing/encounters/{done['encounter']}/")
        appointment.refresh_from_db()
        done["appointment"] = appointment.status
    print(json.dumps(done))


if __name__ == "__main__":
    sys.exit(main())
