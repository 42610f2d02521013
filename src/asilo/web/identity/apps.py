from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "asilo.web.identity"
    label = "identity"
    verbose_name = "Identities across encounters and registrations"

    def ready(self) -> None:
        from asilo.web.encounters import seen_before
        from asilo.web.identity import hooks
        from asilo.web.registrations import fraud

        # Encounters declare "seen before"; this app (a layer above) answers it.
        seen_before.provide(at_record=hooks.seen_at_record, stored=hooks.seen_stored)
        # Registrations: a family registered before is held for review.
        if hooks.duplicate_registration_signal not in fraud.EXTRA_SIGNALS:
            fraud.EXTRA_SIGNALS.append(hooks.duplicate_registration_signal)
