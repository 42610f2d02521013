from django.apps import AppConfig


class RegistrationsConfig(AppConfig):
    name = "asilo.web.registrations"
    label = "registrations"
    verbose_name = "Registrations of families waiting in Mexico"
