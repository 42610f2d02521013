from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "asilo.web.identity"
    label = "identity"
    verbose_name = "Identities across encounters and registrations"

    def ready(self) -> None:
        from asilo.web.core.roles import Capability
        from asilo.web.encounters import seen_before
        from asilo.web.identity import hooks
        from asilo.web.navigation import NAV_ITEMS, NavItem
        from asilo.web.registrations import fraud

        NAV_ITEMS.append(
            NavItem(_("Same person?"), "identity:review_queue", Capability.IDENTITY_REVIEW)
        )
        # Encounters declare "seen before"; this app (a layer above) answers it.
        seen_before.provide(at_record=hooks.seen_at_record, stored=hooks.seen_stored)
        # Registrations: a family registered before is held for review.
        if hooks.duplicate_registration_signal not in fraud.EXTRA_SIGNALS:
            fraud.EXTRA_SIGNALS.append(hooks.duplicate_registration_signal)
