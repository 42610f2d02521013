from django.apps import AppConfig


class EncountersConfig(AppConfig):
    name = "asilo.web.encounters"
    label = "encounters"
    verbose_name = "Encounters, decisions and custody"
