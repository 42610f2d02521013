from django.apps import AppConfig


class ForecastsConfig(AppConfig):
    name = "asilo.web.forecasts"
    label = "forecasts"
    verbose_name = "Forecast pages"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from asilo.web.core.roles import Capability
        from asilo.web.navigation import NAV_ITEMS, NavItem

        NAV_ITEMS.append(NavItem(_("Forecasts"), "forecasts:encounters", Capability.FORECAST_VIEW))
