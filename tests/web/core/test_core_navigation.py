"""The navigation bar is one table (``asilo.web.navigation.NAV_ITEMS``): an entry whose URL
name does not resolve is left out of the bar without a word, so a mistyped name in the table
would hide a page; every entry must name a page of the installed apps."""

from __future__ import annotations

from django.urls import reverse

from asilo.web.navigation import BADGES, NAV_ITEMS


def test_every_entry_names_a_page() -> None:
    for item in NAV_ITEMS:
        assert reverse(item.url_name).startswith("/"), item.url_name


def test_the_apps_register_their_pages_once_in_the_bar_order() -> None:
    names = [item.url_name for item in NAV_ITEMS]
    # Registrations appear twice (two capabilities, never held together), nothing else does.
    assert names.count("registrations:staff_list") == 2
    assert len(set(names)) == len(names) - 1
    apps = [name.split(":")[0] for name in names if ":" in name]
    order = list(dict.fromkeys(apps))
    assert order == [
        "audit",
        "admin",
        "api",
        "registrations",
        "appointments",
        "identity",
        "processing",
        "dashboards",
        "forecasts",
    ]


def test_the_badge_is_provided_by_the_app_that_counts_it() -> None:
    assert set(BADGES) == {"processing:notifications"}
    assert "processing:notifications" in {item.url_name for item in NAV_ITEMS}
