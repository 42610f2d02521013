from django.apps import AppConfig


class ProcessingConfig(AppConfig):
    name = "asilo.web.processing"
    label = "processing"
    verbose_name = "Border processing pages"

    def ready(self) -> None:
        from asilo.web.encounters.selectors import unread_notifications
        from asilo.web.navigation import BADGES

        # The bar shows how many notifications the user has not read beside their page.
        BADGES["processing:notifications"] = lambda request: unread_notifications(request.user)
