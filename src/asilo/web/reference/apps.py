from django.apps import AppConfig


class ReferenceConfig(AppConfig):
    name = "asilo.web.reference"
    label = "reference"
    verbose_name = "Reference data"
