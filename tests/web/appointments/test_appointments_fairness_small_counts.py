"""The fairness report withholds small counts from the analyst (issue 11, data protection).

Before: groups of 5 families or more were shown with every count exact, so an analyst read
"3" families of four, "5" allocated. Now a role that sees only aggregates gets groups under
10 families as "fewer than 10" and every count from 1 to 9 withheld, with a complementary
group where the groups' sum (the same in every dimension) would give one back. Supervisors
and auditors keep the exact report.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.test import Client

URL = "/appointments/fairness/"


def _seed(register: Callable[..., Any], set_capacity: Any, run_allocation: Any) -> None:
    # 12 single adults (registered first), 11 pairs, 3 families of four; room for 5 people.
    for i in range(12):
        register(size=1, registered=f"2023-05-{1 + i:02d} 09:00")
    for i in range(11):
        register(size=2, registered=f"2023-06-{1 + i:02d} 09:00")
    for i in range(3):
        register(size=4, registered=f"2023-06-{20 + i:02d} 09:00")
    set_capacity({"San Ysidro": 5})
    run_allocation()


def _cells(html: str) -> list[str]:
    tables = re.findall(r"<table data-dimension=.*?</table>", html, re.S)
    return [
        c.strip()
        for table in tables
        for row in re.findall(r"<tr data-group=.*?</tr>", table, re.S)
        for c in re.findall(r"<td[^>]*>([^<]*)</td>", row)[1:]  # the group's name first
    ]


def _counts(cells: list[str]) -> list[int]:
    return [int(c) for c in cells if c.isdigit()]


def test_the_analyst_sees_no_count_from_1_to_9(
    register: Any,
    set_capacity: Any,
    run_allocation: Any,
    program: Any,
    make_user: Callable[..., Any],
    client_as: Callable[..., Client],
) -> None:
    _seed(register, set_capacity, run_allocation)
    analyst = client_as(make_user("analyst", "analyst-fairness"))
    html = analyst.get(URL, {"program": program.code}).content.decode()
    cells = _cells(html)
    counts = _counts(cells)
    assert counts and all(n == 0 or n >= 10 for n in counts), counts
    assert "fewer than 10" in cells
    # 10 and more exactly: 26 families of one nationality, 12 single adults.
    assert 26 in counts and 12 in counts
    sizes = re.search(r'data-dimension="family_size">(.*?)</table>', html, re.S)
    assert sizes is not None
    # The 3 families of four are withheld, and the 11 pairs with them (26 is shown above).
    assert _counts(_cells('<table data-dimension="x">' + sizes.group(1) + "</table>")) == [
        12,
        0,
        0,
    ]
    assert "Counts from 1 to 9" in html

    supervisor = client_as(make_user("supervisor", "supervisor-fairness"))
    exact = _counts(_cells(supervisor.get(URL, {"program": program.code}).content.decode()))
    assert {11, 12, 26} <= set(exact), exact
    assert any(0 < n < 10 for n in exact), exact  # the families allocated (room for 5 people)


def test_spanish(
    register: Any,
    set_capacity: Any,
    run_allocation: Any,
    program: Any,
    make_user: Callable[..., Any],
    client_as: Callable[..., Client],
) -> None:
    _seed(register, set_capacity, run_allocation)
    analyst = client_as(make_user("analyst", "analyst-fairness-es"))
    analyst.cookies["django_language"] = "es"
    html = analyst.get(URL, {"program": program.code}).content.decode()
    assert "menos de 10" in _cells(html)
    assert "Los recuentos de 1 a 9" in html
