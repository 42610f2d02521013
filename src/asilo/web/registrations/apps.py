from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationsConfig(AppConfig):
    name = "asilo.web.registrations"
    label = "registrations"
    verbose_name = "Registrations of families waiting in Mexico"

    def ready(self) -> None:
        from asilo.web.accounts.roles import Capability
        from asilo.web.navigation import NAV_ITEMS, NavItem

        # No role holds both "view" capabilities, so nobody sees the entry twice.
        NAV_ITEMS.extend(
            [
                NavItem(
                    _("Registrations"),
                    "registrations:staff_list",
                    Capability.REGISTRATION_VIEW_ORGANISATION,
                ),
                NavItem(
                    _("Registrations"), "registrations:staff_list", Capability.REGISTRATION_VIEW_ALL
                ),
                NavItem(
                    _("Call-backs and review tasks"),
                    "registrations:tasks",
                    Capability.REGISTRATION_VERIFY,
                ),
            ]
        )
