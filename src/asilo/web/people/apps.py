from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "asilo.web.people"
    label = "people"
    verbose_name = "People and family units"
