"""The platform in a real browser: sign-in, languages, the audit search, a phone screen."""

from __future__ import annotations

from typing import Any

from asilo.web.audit.models import AuditEntry


def test_officer_signs_in_in_spanish_and_signs_out(
    page: Any, site: str, sign_in: Any, demo_password: Any
) -> None:
    page.goto(f"{site}/accounts/login/")
    page.select_option("#language-select", "es")
    page.get_by_role("button", name="Change").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.get_by_role("heading", name="Iniciar sesión").is_visible()
    page.get_by_label("Nombre de usuario").fill("demo.officer")
    page.get_by_label("Contraseña").fill(demo_password("officer"))
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(f"{site}/")
    assert page.get_by_role("heading", name="Bienvenido, demo.officer").is_visible()
    assert "Agente de procesamiento" in page.locator(".who").inner_text()
    nav = page.get_by_role("navigation", name="Principal")
    assert nav.get_by_role("link", name="Auditoría").count() == 0
    page.get_by_role("button", name="Cerrar sesión").click()
    page.wait_for_url(f"{site}/accounts/login/")
    assert AuditEntry.objects.filter(action="login", actor_username="demo.officer").count() == 1


def test_wrong_password_is_announced(page: Any, site: str, sign_in: Any) -> None:
    sign_in(page, "demo.officer", "not-the-password")
    alert = page.get_by_role("alert")
    assert "Please enter a correct username and password" in alert.inner_text()
    assert page.locator("#id_password").get_attribute("aria-invalid") == "true"
    assert page.url == f"{site}/accounts/login/"


def test_skip_link_is_the_first_stop_and_moves_focus(page: Any, site: str) -> None:
    page.goto(f"{site}/accounts/login/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_auditor_searches_the_trail_on_a_phone(
    phone_page: Any, site: str, sign_in: Any, demo_password: Any
) -> None:
    # The phone's browser asks for Spanish (es-MX): the staff pages answer in Spanish.
    sign_in(phone_page, "demo.auditor", demo_password("auditor"))
    phone_page.get_by_role("link", name="Auditoría").first.click()
    phone_page.wait_for_url(f"{site}/audit/")
    phone_page.get_by_label("Actor (nombre de usuario)").fill("demo.auditor")
    phone_page.get_by_label("Acción").select_option("login")
    phone_page.get_by_role("button", name="Buscar").click()
    phone_page.wait_for_url("**/audit/?*")
    status = phone_page.locator("#audit-results .count")
    status.wait_for()
    assert status.inner_text() == "1 entrada"
    assert "demo.auditor" in phone_page.locator("table.audit tbody").inner_text()
    # Usable on a phone: the page itself does not scroll sideways; the table scrolls.
    overflow = phone_page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    button = phone_page.get_by_role("button", name="Buscar").bounding_box()
    assert button["height"] >= 44


def test_haitian_creole_base_strings(phone_page: Any, site: str) -> None:
    phone_page.goto(f"{site}/accounts/login/")
    phone_page.select_option("#language-select", "ht")
    phone_page.locator(".language button").click()
    phone_page.wait_for_load_state()
    assert phone_page.locator("html").get_attribute("lang") == "ht"
    assert phone_page.get_by_role("heading", name="Konekte").is_visible()
    assert phone_page.get_by_label("Modpas").is_visible()
    assert phone_page.locator(".skip-link").inner_text() == (
        "Ale dirèkteman nan kontni prensipal la"
    )


def test_officer_is_refused_the_audit_page(
    page: Any, site: str, sign_in: Any, demo_password: Any
) -> None:
    sign_in(page, "demo.officer", demo_password("officer"))
    response = page.goto(f"{site}/audit/")
    assert response is not None and response.status == 403
    assert page.get_by_role("heading", name="Not allowed").is_visible()
    assert AuditEntry.objects.filter(action="refused", actor_username="demo.officer").exists()
