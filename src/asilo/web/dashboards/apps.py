from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "asilo.web.dashboards"
    label = "dashboards"
    verbose_name = "Statistics pages"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from asilo.web.core.roles import Capability
        from asilo.web.navigation import NAV_ITEMS, NavItem

        NAV_ITEMS.append(NavItem(_("Statistics"), "dashboards:statistics", Capability.STATS_VIEW))
