from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "asilo.web.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from asilo.web.core.fields import refuse_undecryptable_values

        refuse_undecryptable_values()
