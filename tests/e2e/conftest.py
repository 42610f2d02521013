"""Browser tests: Debian's Chromium driven by Playwright (sync API), against a live server.

Never ``playwright install``: the browser is the OS package at /usr/bin/chromium
(``scripts/ensure-system-deps.sh``). Every test here is marked ``browser``.

Fixtures: ``browser`` (per module), ``page`` (desktop), ``phone_page`` (360x640, touch),
``site`` (pytest-django's live server with the platform's demo accounts and reference data;
the database is transactional, so the data is loaded again for every test), ``sign_in``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a
# thread with a running loop unless told that this is safe (it is: the tests are sequential).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("ASILO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {
    "viewport": {"width": 360, "height": 640},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0 Mobile Safari/537.36"
    ),
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per test module (module scope, so that no Playwright loop is left running
    while a module that starts its own ``sync_playwright()`` runs)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-system-deps.sh")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="es-MX", **PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def site(live_server: Any, transactional_db: None) -> str:
    """The live server's base URL, with the demo accounts and reference data loaded."""
    from asilo.web.demo import load_platform

    load_platform()
    return str(live_server.url)


@pytest.fixture
def sign_in(site: str) -> Callable[[Any, str, str], None]:
    """``sign_in(page, username, password)`` through the real sign-in form."""

    def go(page: Any, username: str, password: str) -> None:
        page.goto(f"{site}/accounts/login/")
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill(password)
        page.locator("form.form button[type=submit]").click()
        page.wait_for_load_state()

    return go


@pytest.fixture
def demo_password() -> Callable[[str], str]:
    """The demo password of a role's demo account."""
    from asilo.web.demo import DEMO_ACCOUNTS

    by_role = {a.role.value: a.password for a in DEMO_ACCOUNTS}
    return lambda role: by_role[role]
