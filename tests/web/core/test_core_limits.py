"""Issue 11, finding 10: no limit on people per encounter (300,000 people made ``asilo decide``
use 7 GB; the API stored a "family" of 2,000). Now at most 30 people per encounter and 30 per
registration, each refused with a clear 400 naming the field; bodies are limited too."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from typer.testing import CliRunner

from asilo.cli.main import app
from asilo.web.accounts.models import User

pytestmark = pytest.mark.django_db


def _encounter(n: int) -> dict[str, Any]:
    return {
        "date": "2022-05-10",
        "place": {"kind": "between_ports", "name": "Rio Grande Valley"},
        "people": [{"age": 30, "nationality": "GTM", "role": "adult"} for _ in range(n)],
    }


def test_an_encounter_of_31_people_is_refused_naming_people(
    make_user: Callable[..., User], make_token: Callable[[User], str]
) -> None:
    headers = {"Authorization": f"Bearer {make_token(make_user('officer'))}"}
    for path in ("/api/v1/encounters", "/api/v1/encounters/preview"):
        response = Client().post(
            path, data=json.dumps(_encounter(31)), content_type="application/json", headers=headers
        )
        assert response.status_code == 400, response.content[:300]
        errors = response.json()["errors"]
        assert errors[0]["field"] == "people" and "30" in errors[0]["message"]
    ok = Client().post(
        "/api/v1/encounters/preview",
        data=json.dumps(_encounter(30)),
        content_type="application/json",
        headers=headers,
    )
    assert ok.status_code == 200


def test_decide_refuses_31_people_without_a_traceback(tmp_path: Any) -> None:
    document = tmp_path / "big.json"
    document.write_text(json.dumps(_encounter(31)), encoding="utf-8")
    result = CliRunner().invoke(app, ["decide", str(document)])
    assert result.exit_code == 2
    assert "people" in result.output
    assert "Traceback" not in result.output


def test_a_registration_of_31_members_is_refused_naming_members() -> None:
    from asilo.web.registrations.programs import ensure_default_programs

    ensure_default_programs()
    members = [
        {"given_names": "Ana", "surnames": "Pérez", "age": "30", "nationality": "HND"}
        for _ in range(31)
    ]
    response = Client(REMOTE_ADDR="192.0.2.10").post(
        "/api/v1/registrations",
        data=json.dumps(
            {
                "program": "port-appointments-2023",
                "client_request_id": "0b7e1c2a-3d4e-4f50-8a9b-1c2d3e4f5a6b",
                "members": members,
                "phone": "+52 664 555 0101",
                "waiting_city": "Tijuana",
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 400
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert "members" in errors and "30" in errors["members"]
