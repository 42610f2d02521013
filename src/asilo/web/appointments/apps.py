from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "asilo.web.appointments"
    label = "appointments"
    verbose_name = "Appointments at ports of entry"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from asilo.web.accounts.roles import Capability
        from asilo.web.appointments.for_registrations import AppointmentsForRegistrations
        from asilo.web.appointments.services.checkin import registration_processed
        from asilo.web.encounters.settled import on_decision_settled
        from asilo.web.navigation import NAV_ITEMS, NavItem
        from asilo.web.registrations import hooks

        # The registrations app asks this app through its hooks; it never imports it.
        hooks.register(AppointmentsForRegistrations())
        # A checked-in family's registration closes as processed once the officer settles
        # the decision of the encounter its check-in started.
        on_decision_settled(registration_processed)

        NAV_ITEMS.extend(
            [
                NavItem(_("Check-in"), "appointments:checkin", Capability.CHECKIN_PERFORM),
                NavItem(_("Capacities"), "appointments:capacities", Capability.CAPACITY_MANAGE),
                NavItem(_("Allocation runs"), "appointments:runs", Capability.ALLOCATION_RUN),
                NavItem(_("Day at the ports"), "appointments:day", Capability.ALLOCATION_RUN),
                NavItem(_("Fairness"), "appointments:fairness", Capability.FAIRNESS_VIEW),
            ]
        )
