from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "asilo.web.dashboards"
    label = "dashboards"
    verbose_name = "Statistics pages"
