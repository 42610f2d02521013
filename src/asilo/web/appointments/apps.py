from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "asilo.web.appointments"
    label = "appointments"
    verbose_name = "Appointments at ports of entry"

    def ready(self) -> None:
        from asilo.web.appointments.for_registrations import AppointmentsForRegistrations
        from asilo.web.appointments.services.checkin import registration_processed
        from asilo.web.encounters.settled import on_decision_settled
        from asilo.web.registrations import hooks

        # The registrations app asks this app through its hooks; it never imports it.
        hooks.register(AppointmentsForRegistrations())
        # A checked-in family's registration closes as processed once the officer settles
        # the decision of the encounter its check-in started.
        on_decision_settled(registration_processed)
