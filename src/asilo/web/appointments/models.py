"""Port capacities, allocation runs, appointments, check-in exceptions and the notification
outbox.

A registration (``registrations.Registration``, one family unit) gets at most one *active*
appointment at a time (booked or checked in): a partial unique constraint keeps it so even
under concurrent writes. A run keeps its method, seed, input digest and a snapshot of its
inputs, so anyone can re-run it and compare.
"""

from __future__ import annotations

from datetime import time

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedCharField

from asilo.web.core.fields import staff_member
from asilo.web.core.free_text import EncryptedNoteField

DEFAULT_OPENS_AT = time(7, 0)
DEFAULT_CLOSES_AT = time(15, 0)


class PortCapacity(models.Model):
    """How many persons a port of entry receives on one day for one program."""

    program = models.ForeignKey(
        "registrations.Program", on_delete=models.PROTECT, related_name="port_capacities"
    )
    port = models.CharField(_("port of entry"), max_length=60)
    date = models.DateField(_("date"))
    capacity = models.PositiveIntegerField(_("capacity (persons)"))
    opens_at = models.TimeField(_("first window starts"), default=DEFAULT_OPENS_AT)
    closes_at = models.TimeField(_("last window ends"), default=DEFAULT_CLOSES_AT)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = staff_member(null=True)

    class Meta:
        ordering = ["program_id", "date", "port"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "port", "date"], name="capacity_once_per_port_day"
            ),
            models.CheckConstraint(
                condition=models.Q(opens_at__lt=models.F("closes_at")),
                name="capacity_opens_before_closing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.port} {self.date}: {self.capacity}"


class AllocationLock(models.Model):
    """One row per program; an allocation run holds it (``select_for_update``) for its whole
    transaction, so two runs of a program never overlap; capacity changes wait for it too."""

    program = models.OneToOneField(
        "registrations.Program", on_delete=models.CASCADE, related_name="allocation_lock"
    )
    last_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"allocation lock of program #{self.program_id}"


class Trigger(models.TextChoices):
    WEB = "web", _("Supervisor's page or API (background task)")
    TASK = "task", _("Scheduled task")
    CLI = "cli", _("Command line")


class AllocationRun(models.Model):
    """One allocation: the method, its seed, its inputs and what it gave."""

    program = models.ForeignKey(
        "registrations.Program", on_delete=models.PROTECT, related_name="allocation_runs"
    )
    method_name = models.CharField(max_length=60)
    method_version = models.CharField(max_length=40)
    seed = models.BigIntegerField()
    input_digest = models.CharField(max_length=64)
    registrations_digest = models.CharField(max_length=64)
    capacity_digest = models.CharField(max_length=64)
    #: ``{"registrations": [[id, family_size, registered_on, tier, [ports...]], ...],
    #: "capacity": [[port, date, persons], ...]}``: exactly what the method received.
    inputs = models.JSONField()
    start = models.DateField(_("first day"))
    horizon_start = models.DateField(null=True, blank=True)
    horizon_end = models.DateField(null=True, blank=True)
    registrations_count = models.PositiveIntegerField(default=0)
    allocated_count = models.PositiveIntegerField(default=0)
    persons_allocated = models.PositiveIntegerField(default=0)
    trigger = models.CharField(max_length=8, choices=Trigger.choices)
    run_by = staff_member(null=True)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"allocation run #{self.pk}"

    @property
    def method_label(self) -> str:
        return f"{self.method_name}-{self.method_version}"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CHECKED_IN = "checked_in", _("Checked in")
    NO_SHOW = "no_show", _("Did not come")
    CANCELLED = "cancelled", _("Cancelled by the family")
    RESCHEDULED = "rescheduled", _("Another date asked for")


ACTIVE_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN)
#: Statuses whose persons count against a port's capacity on that day.
HOLDS_ROOM = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN, AppointmentStatus.NO_SHOW)


SELECTED_BY_LABELS = {
    "longest_waiting": _("Longest-waiting share"),
    "lottery": _("Lottery"),
}


class Appointment(models.Model):
    """A date, time window and port of entry for a whole registered family."""

    run = models.ForeignKey(AllocationRun, on_delete=models.PROTECT, related_name="appointments")
    registration = models.ForeignKey(
        "registrations.Registration", on_delete=models.PROTECT, related_name="appointments"
    )
    port = models.CharField(_("port of entry"), max_length=60)
    date = models.DateField(_("date"), db_index=True)
    window_start = models.TimeField(_("from"))
    window_end = models.TimeField(_("until"))
    family_size = models.PositiveSmallIntegerField()
    priority_rank = models.PositiveIntegerField()
    tier = models.PositiveSmallIntegerField()
    selected_by = models.CharField(max_length=20)
    status = models.CharField(
        max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    status_changed_at = models.DateTimeField(default=timezone.now)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checked_in_by = staff_member(null=True, blank=True)
    #: Positions (0 = the person who registered) of the members checked in.
    checked_in_positions = models.JSONField(default=list, blank=True)
    encounter = models.ForeignKey(
        "encounters.Encounter",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["date", "port", "priority_rank", "id"]
        indexes = [models.Index(fields=["port", "date", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["registration"],
                condition=models.Q(status__in=["booked", "checked_in"]),
                name="one_active_appointment_per_registration",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in AppointmentStatus]),
                name="appointment_status_is_known",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="checked_in") | models.Q(checked_in_at__isnull=False),
                name="appointment_checked_in_has_time",
            ),
        ]

    def __str__(self) -> str:  # never a name
        return f"appointment #{self.pk}"

    @property
    def selected_by_label(self) -> str:
        return str(SELECTED_BY_LABELS.get(self.selected_by, self.selected_by))


class CheckinException(models.Model):
    """A supervisor's reasoned leave to check in only some members of a family."""

    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, related_name="checkin_exceptions"
    )
    positions = models.JSONField()
    reason = EncryptedNoteField()
    granted_by = staff_member()
    granted_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-granted_at", "-id"]

    def __str__(self) -> str:
        return f"check-in exception #{self.pk}"


class NoticeContact(models.Model):
    """Where the family wants its notices now, when it changed it after registering.

    Kept here (not on the registration) so that the registration keeps what was given at
    registration; the notices use this when it exists.
    """

    registration = models.OneToOneField(
        "registrations.Registration", on_delete=models.CASCADE, related_name="notice_contact"
    )
    phone = EncryptedCharField(max_length=20, null=True, blank=True)
    email = EncryptedCharField(max_length=254, null=True, blank=True)
    language = models.CharField(max_length=8, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"notice contact of registration #{self.registration_id}"


class MessageKind(models.TextChoices):
    NOTICE = "notice", _("Appointment notice")
    CANCELLED = "cancelled", _("Appointment cancelled")
    RESCHEDULED = "rescheduled", _("Another date asked for")
    NO_SHOW = "no_show", _("Missed appointment")
    PIN_CODE = "pin_code", _("Code to choose a new PIN")
    CONTACT_CODE = "contact_code", _("Code to confirm the phone or e-mail")


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed (will be retried)")


class OutboxMessage(models.Model):
    """A message to a family, written in the transaction that caused it and delivered by a
    background task after commit. The text carries no names, but it names the registration
    and may hold a one-time code: the address and the text are encrypted at rest, and the
    text is emptied once the message is sent or will never be (what an audit needs stays:
    kind, channel, language, status, attempts and times)."""

    registration = models.ForeignKey(
        "registrations.Registration", on_delete=models.CASCADE, related_name="outbox_messages"
    )
    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    kind = models.CharField(max_length=12, choices=MessageKind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    address = EncryptedCharField(max_length=254)
    language = models.CharField(max_length=8)
    subject = models.CharField(max_length=200, blank=True)
    #: The text sent, kept only until it is sent (``""`` after: see ``outbox_deliver``).
    body = EncryptedNoteField()
    status = models.CharField(
        max_length=8, choices=MessageStatus.choices, default=MessageStatus.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.channel} message #{self.pk}"
