"""Encounters, their stored decisions, overrides, custody, family exceptions, reunification.

The encounter keeps the policy input document (without identities, which live encrypted on the
people) and the decision the policy engine gave, with its catalogue version, so it can be
replayed. Custody is one row per person and encounter: book-in, the limit from the decision, the
due time, and the book-out with its outcome.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedTextField

from asilo.web.core.fields import staff_member
from asilo.web.core.free_text import EncryptedNoteField
from asilo.web.core.tasks import TaskState
from asilo.web.people.models import FamilyUnit, Person

USER = settings.AUTH_USER_MODEL


class Component(models.TextChoices):
    USBP = "USBP", _("U.S. Border Patrol (between ports)")
    OFO = "OFO", _("Office of Field Operations (port of entry)")


class EncounterStatus(models.TextChoices):
    DECIDED = "decided", _("Decided, awaiting confirmation")
    CONFIRMED = "confirmed", _("Decision confirmed")
    OVERRIDDEN = "overridden", _("Decision overridden")


class Authority(models.TextChoices):
    TITLE_42 = "title_42", _("Title 42")
    TITLE_8 = "title_8", _("Title 8")
    PROCLAMATION_212F = "proclamation_212f", _("Proclamation under INA 212(f)")


class Pathway(models.TextChoices):
    EXPULSION = "expulsion", _("Expulsion")
    MPP_RETURN = "mpp_return", _("Return to Mexico under MPP")
    ORR_TRANSFER = "orr_transfer", _("Transfer to ORR")
    TVPRA_CONTIGUOUS_SCREENING = (
        "tvpra_contiguous_screening",
        _("TVPRA screening (contiguous country)"),
    )
    ACA_TRANSFER = "aca_transfer", _("Transfer under an Asylum Cooperative Agreement")
    PROCESSING = "processing", _("Title 8 processing")
    SUMMARY_REPATRIATION = "summary_repatriation", _("Summary repatriation (no asylum screening)")
    REMOVAL_PROTECTION_SCREENING_ONLY = (
        "removal_protection_screening_only",
        _("Removal with withholding and CAT screening only"),
    )
    ENTRY_SUSPENDED_PUBLIC_HEALTH = (
        "entry_suspended_public_health",
        _("Entry suspended on public-health grounds"),
    )


class Outcome(models.TextChoices):
    EXPELLED = "expelled", _("Expelled")
    RETURNED_MPP = "returned_mpp", _("Returned to Mexico under MPP")
    TRANSFERRED_ORR = "transferred_orr", _("Transferred to ORR")
    RELEASED_NTA = "released_nta", _("Released with a notice to appear")
    TRANSFERRED_ICE = "transferred_ice", _("Transferred to ICE")


class Encounter(models.Model):
    encounter_date = models.DateField(_("date"), db_index=True)
    occurred_at = models.DateTimeField(_("date and time"), null=True, blank=True)
    component = models.CharField(_("component"), max_length=4, choices=Component.choices)
    place_kind = models.CharField(max_length=20)
    place_name = models.CharField(_("sector or port"), max_length=80, db_index=True)
    family_unit = models.ForeignKey(
        FamilyUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="encounters"
    )
    document = models.JSONField(_("policy input document"))
    status = models.CharField(
        max_length=12, choices=EncounterStatus.choices, default=EncounterStatus.DECIDED
    )
    client_request_id = models.CharField(max_length=100, null=True, blank=True)
    request_digest = models.CharField(max_length=64, blank=True)
    recorded_by = staff_member()
    recorded_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recorded_by", "client_request_id"],
                name="encounter_client_request_once",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[s.value for s in EncounterStatus]),
                name="encounter_status_is_known",
            ),
        ]

    def __str__(self) -> str:
        return f"encounter #{self.pk}"


class EncounterPerson(models.Model):
    """A person in an encounter, in the order of the input document's ``people``."""

    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="participants")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="encounters")
    position = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=8)
    relationship = models.CharField(max_length=20, blank=True)
    age = models.PositiveSmallIntegerField()
    nationality = models.CharField(max_length=3)
    pathway = models.CharField(max_length=40, choices=Pathway.choices)
    demographic = models.CharField(max_length=30)
    unit = models.PositiveSmallIntegerField(
        default=0,
        help_text="The decision's unit: people of one unit (a family unit in law) share one"
        " outcome.",
    )
    custody_limit_hours = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["encounter_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["encounter", "position"], name="participant_position"),
            models.UniqueConstraint(fields=["encounter", "person"], name="participant_once"),
        ]

    def __str__(self) -> str:
        return f"person #{self.person_id} in encounter #{self.encounter_id}"


class EncounterDecision(models.Model):
    """The policy engine's decision, as it gave it, with what is needed to replay it."""

    encounter = models.OneToOneField(Encounter, on_delete=models.CASCADE, related_name="decision")
    inputs = models.JSONField()
    result = models.JSONField()
    catalogue_version = models.CharField(max_length=80)
    authority = models.CharField(max_length=20, choices=Authority.choices)
    pathway = models.CharField(max_length=40, choices=Pathway.choices)
    destination = models.CharField(max_length=3, blank=True)
    demographic = models.CharField(max_length=30)
    custody_limit_hours = models.PositiveIntegerField(null=True, blank=True)
    decided_at = models.DateTimeField(default=timezone.now)
    confirmed_by = staff_member(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"decision of encounter #{self.encounter_id}"


class OverrideVerdict(models.TextChoices):
    UPHELD = "upheld", _("Upheld")
    OVERTURNED = "overturned", _("Overturned")


class Override(models.Model):
    """An officer's departure from the decision, with a written reason; a supervisor reviews."""

    decision = models.OneToOneField(
        EncounterDecision, on_delete=models.CASCADE, related_name="override"
    )
    authority = models.CharField(max_length=20, choices=Authority.choices)
    pathway = models.CharField(max_length=40, choices=Pathway.choices)
    destination = models.CharField(max_length=3, blank=True)
    #: Free text about the person: encrypted at rest like their names (it cannot be filtered,
    #: ordered or searched in the database).
    reason = EncryptedTextField()
    within_options = models.BooleanField(
        help_text="The chosen pathway was among the lawful options the decision listed."
    )
    overridden_by = staff_member()
    overridden_at = models.DateTimeField(default=timezone.now)
    verdict = models.CharField(max_length=12, choices=OverrideVerdict.choices, blank=True)
    review_note = EncryptedNoteField(blank=True)
    reviewed_by = staff_member(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-overridden_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(verdict="") & models.Q(reviewed_at__isnull=True))
                | (~models.Q(verdict="") & models.Q(reviewed_at__isnull=False)),
                name="override_reviewed_with_verdict",
            )
        ]

    def __str__(self) -> str:
        return f"override #{self.pk}"


class Custody(models.Model):
    encounter = models.ForeignKey(Encounter, on_delete=models.PROTECT, related_name="custodies")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="custodies")
    booked_in_at = models.DateTimeField(
        help_text="The moment of the encounter (the start of its day when the time is unknown)."
    )
    booked_in_time_known = models.BooleanField(
        default=True, help_text="False: the encounter's time of day was not recorded."
    )
    #: The legal limit (TVPRA, unaccompanied children): null when the law sets none.
    limit_hours = models.PositiveIntegerField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    #: The TEDS 1.8 standard (CUS-01): every custody, counted from the encounter.
    standard_hours = models.PositiveIntegerField(default=72)
    standard_due_at = models.DateTimeField(null=True, blank=True)
    #: When a child of a family unit was left without an adult of the unit (the last adult
    #: left under an approved exception) and became an unaccompanied child.
    unaccompanied_since = models.DateTimeField(null=True, blank=True)
    #: The policy engine's decision for that child alone, as of that moment.
    redecision = models.JSONField(null=True, blank=True)
    booked_out_at = models.DateTimeField(null=True, blank=True, db_index=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    booked_out_by = staff_member(null=True, blank=True)
    family_exception = models.ForeignKey(
        "FamilyException", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name_plural = "custodies"
        indexes = [
            # The custody list (open ones, soonest due first, no limit last) reads this in
            # order and stops at its limit, instead of sorting every open custody.
            models.Index(
                fields=["due_at", "id"],
                condition=models.Q(booked_out_at__isnull=True),
                name="custody_open_by_due",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["encounter", "person"], name="custody_once"),
            models.CheckConstraint(
                condition=(models.Q(outcome="") & models.Q(booked_out_at__isnull=True))
                | (~models.Q(outcome="") & models.Q(booked_out_at__isnull=False)),
                name="custody_outcome_iff_booked_out",
            ),
        ]

    def __str__(self) -> str:
        return f"custody #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.booked_out_at is None


class ExceptionStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting a supervisor")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")


class FamilyException(models.Model):
    """Leave for one family member to leave custody to another outcome than the family's."""

    custody = models.ForeignKey(Custody, on_delete=models.PROTECT, related_name="exceptions")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    #: Free text about the person: encrypted at rest (never filtered, ordered or searched).
    reason = EncryptedTextField()
    requested_by = staff_member()
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=ExceptionStatus.choices, default=ExceptionStatus.PENDING
    )
    decided_by = staff_member(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = EncryptedNoteField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"family exception #{self.pk}"


#: A reunification task's state: the shared open or closed of a task (``asilo.web.core.tasks``).
TaskStatus = TaskState


class TaskClosing(models.TextChoices):
    REUNITED = "reunited", _("Reunited")
    CLOSED = "closed", _("Closed with a reason")


class ReunificationTask(models.Model):
    """Opened by every approved family exception: bring the separated member back together."""

    exception = models.OneToOneField(
        FamilyException, on_delete=models.PROTECT, related_name="reunification_task"
    )
    family_unit = models.ForeignKey(FamilyUnit, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=8, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = staff_member(null=True, blank=True)
    closing_note = EncryptedNoteField(blank=True)
    #: The steps of the work: contact made with the family, sponsor or parent located.
    contact_made_at = models.DateTimeField(null=True, blank=True)
    located_at = models.DateTimeField(null=True, blank=True)
    closing_outcome = models.CharField(max_length=10, choices=TaskClosing.choices, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]

    def __str__(self) -> str:
        return f"reunification task #{self.pk}"


class ReunificationNote(models.Model):
    """A note on a reunification task (what was tried, who was called)."""

    task = models.ForeignKey(ReunificationTask, on_delete=models.CASCADE, related_name="notes")
    author = staff_member()
    text = EncryptedNoteField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"note #{self.pk} on reunification task #{self.task_id}"


class NotificationKind(models.TextChoices):
    EXCEPTION_APPROVED = "exception_approved", _("Your family exception was approved")
    EXCEPTION_DENIED = "exception_denied", _("Your family exception was denied")


class StaffNotification(models.Model):
    """An in-app notice to one staff member (the officer who asked is told the answer)."""

    recipient = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    exception = models.ForeignKey(
        FamilyException, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"notification #{self.pk}"
