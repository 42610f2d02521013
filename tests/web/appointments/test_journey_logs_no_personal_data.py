"""No personal data in any log line (issue 11, finding 4: "a family's e-mail and phone appear
in clear in the server log beside its registration number").

The whole family journey (self-service registration, contact verification, status page, PIN
recovery, allocation, notice, check-in, encounter) runs in its own process under production
settings (``journey_driver.py``), with the real notification backends pointed at a fake SMS
gateway process and a local SMTP server. Every log record of every logger at DEBUG level, the
process's standard error and its standard output are searched for the names, phone, e-mail
and dates of birth the family gave: not one hit.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from notify_processes import HERE, sms_gateway, smtp_sink

FAMILY = {
    "members": [
        {"given_names": "Wislande", "surnames": "Dorvilus", "date_of_birth": "1987-11-23"},
        {"given_names": "Kervens", "surnames": "Dorvilus", "date_of_birth": "2017-04-09"},
    ],
    "phone": "+52 664 555 0188",
    "email": "wislande.d@example.net",
}


def needles() -> list[str]:
    """Every form in which the family's details could appear in a log line."""
    found = {FAMILY["email"], FAMILY["email"].split("@")[0], "5550188", "555 0188", "555-0188"}
    for member in FAMILY["members"]:
        found |= {member["given_names"], member["surnames"]}
        year, month, day = member["date_of_birth"].split("-")
        found |= {
            member["date_of_birth"],
            f"{day}/{month}/{year}",
            f"{month}/{day}/{year}",
            f"{int(year)}, {int(month)}, {int(day)}",  # datetime.date(1987, 11, 23)
        }
    return sorted(found)


def hits(text: str) -> list[str]:
    lowered = text.lower()
    digits = re.sub(r"\D", "", text)
    found = [n for n in needles() if n.lower() in lowered]
    if "6645550188" in digits:
        found.append("the phone's digits")
    return found


def test_the_whole_journey_logs_no_personal_data(tmp_path: Path) -> None:
    log = tmp_path / "records.log"
    with sms_gateway(token="journey-token") as gateway, smtp_sink(tmp_path / "mail.jsonl") as sink:
        clean = {
            k: v for k, v in os.environ.items() if not k.startswith(("ASILO_", "DATABASE_URL"))
        }
        result = subprocess.run(
            [sys.executable, str(HERE / "journey_driver.py")],
            env={
                **clean,
                "DJANGO_SETTINGS_MODULE": "asilo.web.settings",
                "ASILO_SECRET_KEY": secrets.token_urlsafe(48),
                "ASILO_FIELD_ENCRYPTION_SALT": secrets.token_urlsafe(16),
                "ASILO_VAR_DIR": str(tmp_path),
                "ASILO_LOG_LEVEL": "DEBUG",
                "ASILO_TASKS_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                "ASILO_SMTP_HOST": "127.0.0.1",
                "ASILO_SMTP_PORT": str(sink.port),
                "ASILO_SMTP_STARTTLS": "0",
                "ASILO_NOTICE_FROM_EMAIL": "avisos@asilo.example.org",
                "ASILO_SMS_GATEWAY_URL": gateway.url,
                "ASILO_SMS_GATEWAY_TOKEN": gateway.token,
                "JOURNEY_LOG": str(log),
                "JOURNEY_FAMILY": json.dumps(FAMILY),
            },
            capture_output=True,
            text=True,
            timeout=600,
        )
        sms = gateway.messages()
        mail = sink.messages()
    assert result.returncode == 0, result.stderr[-5000:]
    done = json.loads(result.stdout.strip().splitlines()[-1])
    # The journey happened: the family was allocated, notified and checked in.
    assert done["before_code"] == "needs_verification" and done["status"] == "waiting"
    assert done["appointment"] == "checked_in" and done["encounter"] and done["notice"] == 200
    assert ["notice", "email", "sent"] in done["messages"]
    assert ["notice", "sms", "sent"] in done["messages"]
    assert any(done["number"] in m["body"] and "San Ysidro" in m["body"] for m in sms)
    assert {m["to"] for m in sms} == {"+526645550188"}
    assert any(m["to"] == [FAMILY["email"]] for m in mail)
    # The search would see the details where they are: in the messages the family received.
    assert hits(json.dumps(sms)) and hits(json.dumps(mail))
    records = log.read_text(encoding="utf-8")
    # The search has material: the tasks, the run, the refused requests (at DEBUG).
    assert "deliver_outbox state=SUCCESSFUL" in records and "allocation run" in records
    assert "WARNING django.request Unauthorized: /registrations/status/" in records
    for name, text in (
        ("log records", records),
        ("stderr", result.stderr),
        ("stdout", result.stdout),
    ):
        assert hits(text) == [], f"personal data in the {name}: {hits(text)}"
