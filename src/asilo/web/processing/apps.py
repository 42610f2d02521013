from django.apps import AppConfig


class ProcessingConfig(AppConfig):
    name = "asilo.web.processing"
    label = "processing"
    verbose_name = "Border processing pages"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from asilo.web.accounts.roles import Capability
        from asilo.web.encounters.selectors import unread_notifications
        from asilo.web.navigation import NAV_ITEMS, NavItem

        NAV_ITEMS.extend(
            [
                NavItem(_("Processing"), "processing:dashboard", Capability.ENCOUNTER_VIEW),
                NavItem(_("My work"), "processing:work_queue", Capability.ENCOUNTER_VIEW),
                NavItem(_("Encounters"), "processing:encounter_list", Capability.ENCOUNTER_VIEW),
                NavItem(
                    _("Record an encounter"),
                    "processing:encounter_new",
                    Capability.ENCOUNTER_RECORD,
                ),
                NavItem(_("Custody"), "processing:custody_list", Capability.ENCOUNTER_VIEW),
                NavItem(_("Overrides"), "processing:override_list", Capability.OVERRIDE_REVIEW),
                NavItem(
                    _("Family exceptions"),
                    "processing:exception_list",
                    Capability.CUSTODY_MANAGE,
                ),
                NavItem(
                    _("Notifications"),
                    "processing:notifications",
                    Capability.CUSTODY_MANAGE,
                    badge=lambda request: unread_notifications(request.user),
                ),
            ]
        )
