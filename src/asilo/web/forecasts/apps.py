from django.apps import AppConfig


class ForecastsConfig(AppConfig):
    name = "asilo.web.forecasts"
    label = "forecasts"
    verbose_name = "Forecast pages"
