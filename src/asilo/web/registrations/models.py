"""Registrations of families waiting in Mexico, the programs they register for, their status
history and the review tasks that verification and the fraud signals open.

Every field that identifies a person (names, dates of birth, contact, address, A-number) is
encrypted at rest (django-fernet-encrypted-fields, keys from ``SECRET_KEY`` and ``SALT_KEY``).
Where the database must group or compare such a value (same phone, same date of birth, same
A-number) it compares a keyed digest (HMAC-SHA256), never the value.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedCharField, EncryptedDateField

from asilo.web.core.fields import staff_member
from asilo.web.core.free_text import EncryptedNoteField
from asilo.web.core.relationships import RelationshipToPrincipal
from asilo.web.core.tasks import TaskState as TaskState  # a review task's state


class EligibilityRule(models.TextChoices):
    """The policy engine's rules a program can use (the catalogue document it reads)."""

    MPP_WIND_DOWN = "mpp/wind_down", _("2021 MPP wind-down")
    PORT_APPOINTMENTS = "cbp_one/appointments", _("2023 port appointment process")


class Program(models.Model):
    """A program: an eligibility rule of the policy engine, its ports, its allocation method."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    rule = models.CharField(_("eligibility rule"), max_length=40, choices=EligibilityRule.choices)
    ports = models.JSONField(_("ports of entry"), default=list)
    allocation_method = models.CharField(_("allocation method"), max_length=60)
    is_open = models.BooleanField(_("open for registration"), default=True)
    #: Evaluate eligibility as of this date instead of the day of registration: for replaying a
    #: past program (the 2021 wind-down, the 2023 process) in a demo, a training or a test.
    rules_as_of = models.DateField(_("rules read as of"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rule__in=[r.value for r in EligibilityRule]),
                name="program_rule_is_known",
            )
        ]

    def __str__(self) -> str:
        return self.code


class Channel(models.TextChoices):
    SELF_SERVICE = "self_service", _("Self-service")
    ASSISTED = "assisted", _("Assisted by a caseworker")
    BULK_IMPORT = "bulk_import", _("Partner's list")


class Status(models.TextChoices):
    """A registration's place in its one lifecycle (see ``lifecycle.py``):

    registered → needs verification → waiting → offered → checked in / did not come (back to
    waiting once) → closed (with a reason). ``not_eligible``: the rules of the day do not
    admit the family (kept, and reviewed again when the rules change)."""

    REGISTERED = "registered", _("Registered")
    NEEDS_VERIFICATION = "needs_verification", _("Needs verification by a caseworker")
    WAITING = "waiting", _("Eligible: waiting for an appointment")
    OFFERED = "offered", _("Appointment offered")
    CHECKED_IN = "checked_in", _("Checked in at the port")
    NO_SHOW = "no_show", _("Did not come to the appointment")
    CLOSED = "closed", _("Closed")
    NOT_ELIGIBLE = "not_eligible", _("Not eligible now")


class ClosedReason(models.TextChoices):
    PROCESSED = "processed", _("Processed at the port")
    WITHDRAWN = "withdrawn", _("Withdrawn by the family")
    INELIGIBLE = "ineligible", _("Not eligible after a rule change")
    DUPLICATE = "duplicate", _("Duplicate of another registration")


class MppCaseStatus(models.TextChoices):
    ACTIVE = "active", _("Active (including a pending appeal to the BIA)")
    TERMINATED = "terminated", _("Terminated")
    REMOVAL_ORDER_IN_ABSENTIA = "removal_order_in_absentia", _("Removal order in absentia")


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    X = "x", _("Another sex or prefers not to say")


#: A member's relationship to the principal (the person who registers the family): the shared
#: vocabulary's ``RelationshipToPrincipal`` (``asilo.web.core.relationships``), kept under this
#: app's old name. Its ``"parent"`` is the principal's mother or father, the opposite of border
#: processing's ``"parent"`` (a parent *of the children*); the stored values never changed.
Relationship = RelationshipToPrincipal


class Registration(models.Model):
    """One family unit registered once for one program."""

    number = models.CharField(_("registration number"), max_length=12, unique=True)
    pin_hash = models.CharField(max_length=64)
    pin_salt = models.CharField(max_length=32)
    client_request_id = models.UUIDField(_("client request id"), unique=True)
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="registrations")
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registrations",
    )
    created_by = staff_member(null=True)
    #: Keyed digest of where the submission came from (the caseworker or the client address).
    source_digest = models.CharField(max_length=64, db_index=True)
    #: Self-service only: keyed digests of the browser's first-party device cookie and of the
    #: client's network (IPv4 /24, IPv6 /48), never the values (``fraud.check_shared_origin``).
    device_digest = models.CharField(max_length=64, null=True, blank=True)
    network_digest = models.CharField(max_length=64, null=True, blank=True)
    registered_on = models.DateTimeField(_("registered on"), default=timezone.now, db_index=True)
    language = models.CharField(_("language for notices"), max_length=8, default="es")
    contact_phone = EncryptedCharField(_("phone"), max_length=20, null=True, blank=True)
    contact_email = EncryptedCharField(_("e-mail"), max_length=254, null=True, blank=True)
    contact_whatsapp = EncryptedCharField(_("WhatsApp"), max_length=20, null=True, blank=True)
    phone_digest = models.CharField(max_length=64, null=True, blank=True, db_index=True)
    whatsapp_digest = models.CharField(max_length=64, null=True, blank=True, db_index=True)
    email_digest = models.CharField(max_length=64, null=True, blank=True, db_index=True)
    waiting_city = models.CharField(_("city where waiting"), max_length=60)
    waiting_place = EncryptedCharField(
        _("shelter or address"), max_length=200, null=True, blank=True
    )
    place_digest = models.CharField(max_length=64, null=True, blank=True, db_index=True)
    preferred_ports = models.JSONField(_("preferred ports, in order"), default=list, blank=True)
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    vulnerabilities = models.JSONField(_("vulnerabilities"), default=list, blank=True)
    tier = models.PositiveSmallIntegerField(_("priority tier"))
    a_number = EncryptedCharField(_("A-number"), max_length=9, null=True, blank=True)
    a_number_digest = models.CharField(max_length=64, null=True, blank=True, db_index=True)
    mpp_enrolled_on = models.DateField(_("MPP enrolment date"), null=True, blank=True)
    mpp_case_status = models.CharField(
        _("MPP case status"), max_length=30, choices=MppCaseStatus.choices, blank=True
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    closed_reason = models.CharField(
        _("reason for closing"), max_length=20, choices=ClosedReason.choices, blank=True
    )
    status_changed_at = models.DateTimeField(default=timezone.now)
    verified_at = models.DateTimeField(_("identity verified at"), null=True, blank=True)
    verified_by = staff_member(null=True)
    pin_failures = models.PositiveSmallIntegerField(default=0)
    pin_locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["registered_on", "id"]
        indexes = [
            models.Index(fields=["program", "status"]),
            models.Index(fields=["organisation", "registered_on"]),
            models.Index(fields=["source_digest", "registered_on"]),
            models.Index(fields=["device_digest", "registered_on"]),
            models.Index(fields=["network_digest", "registered_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(tier__in=[0, 1, 2]), name="registration_tier_0_1_2"
            ),
            models.CheckConstraint(
                condition=models.Q(channel__in=[c.value for c in Channel]),
                name="registration_channel_is_known",
            ),
            models.CheckConstraint(
                condition=models.Q(channel=Channel.SELF_SERVICE)
                | models.Q(organisation__isnull=False),
                name="registration_assisted_has_organisation",
            ),
        ]

    def __str__(self) -> str:  # never a name: str() ends up in logs and admin history
        return self.number

    @property
    def family_size(self) -> int:
        return self.members.count()


class Member(models.Model):
    """One member of a registered family (position 0 is the principal)."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="members")
    position = models.PositiveSmallIntegerField()
    given_names = EncryptedCharField(_("given names"), max_length=100)
    surnames = EncryptedCharField(_("surnames"), max_length=100)
    date_of_birth = EncryptedDateField(_("date of birth"), null=True, blank=True)
    dob_digest = models.CharField(max_length=64, null=True, blank=True, db_index=True)
    age = models.PositiveSmallIntegerField(_("age"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices)
    nationality = models.CharField(_("nationality"), max_length=3)
    relationship = models.CharField(
        _("relationship"), max_length=20, choices=RelationshipToPrincipal.choices
    )

    class Meta:
        ordering = ["registration_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "position"], name="registration_member_position_once"
            ),
            models.CheckConstraint(
                condition=models.Q(date_of_birth__isnull=False) | models.Q(age__isnull=False),
                name="registration_member_has_dob_or_age",
            ),
        ]

    def __str__(self) -> str:
        return f"member {self.position} of registration #{self.registration_id}"


class StatusChange(models.Model):
    """One change of a registration's status, with the reason shown to the person.

    ``reason_code`` picks the translated sentence (English, Spanish, Haitian Creole) and
    ``reason_params`` fills it; ``rule``, ``policy_text`` and the citation are the policy
    engine's own explanation (English) and source.
    """

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="status_changes"
    )
    at = models.DateTimeField(default=timezone.now)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    closed_reason = models.CharField(max_length=20, blank=True)
    reason_code = models.CharField(max_length=40)
    reason_params = models.JSONField(default=dict, blank=True)
    rule = models.CharField(max_length=60, blank=True)
    policy_text = models.TextField(blank=True)
    citation_title = models.CharField(max_length=300, blank=True)
    citation_url = models.URLField(max_length=500, blank=True)
    catalogue_version = models.CharField(max_length=80, blank=True)
    actor = staff_member(null=True)

    class Meta:
        ordering = ["registration_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status} ({self.reason_code})"


class TaskKind(models.TextChoices):
    CALLBACK = "callback", _("Call back: verify identity and A-number")
    DUPLICATE_PERSON = "duplicate_person", _("Same person in two registrations")
    SHARED_PHONE = "shared_phone", _("One phone number behind many registrations")
    SHARED_PLACE = "shared_place", _("One address behind many registrations")
    BURST = "burst", _("Many registrations from one source in a short time")
    VULNERABILITY = "vulnerability", _("Vulnerability flagged")
    DUPLICATE_REGISTRATION = "duplicate_family", _("Possible duplicate registration")
    SHARED_DEVICE = "shared_device", _("Many registrations from one device")
    SHARED_NETWORK = "shared_network", _("Many registrations from one network")


class TaskOutcome(models.TextChoices):
    VERIFIED = "verified", _("Verified")
    NOT_REACHED = "not_reached", _("Could not reach the family")
    DETAILS_WRONG = "details_wrong", _("Details do not match")
    NOT_A_DUPLICATE = "not_a_duplicate", _("Not a duplicate")
    CONFIRMED_DUPLICATE = "confirmed_duplicate", _("Confirmed duplicate")
    NO_ABUSE = "no_abuse", _("Explained: no abuse")
    ABUSE_REFERRED = "abuse_referred", _("Referred for investigation")
    NOTED = "noted", _("Noted")


class ReviewTask(models.Model):
    """Work for a person: verification call-backs and every duplicate or abuse signal.

    A signal opens (or adds to) one open task per ``key``; nothing is rejected by a signal.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=TaskKind.choices)
    key = models.CharField(max_length=200)
    state = models.CharField(
        _("state"), max_length=8, choices=TaskState.choices, default=TaskState.OPEN
    )
    registrations = models.ManyToManyField(Registration, related_name="review_tasks")
    #: What the signal saw when the task opened: counts, scores, codes and ids, never free text
    #: (that goes in ``opening_note``, encrypted).
    detail = models.JSONField(default=dict, blank=True)
    #: What caseworkers wrote while the task was open (a suspected duplicate's reason, a
    #: flagged need's note): the opening note, then any added to the open task, separated by
    #: :data:`NOTES_SEPARATOR` (:func:`task_notes` splits them); free text about the family,
    #: encrypted at rest.
    opening_note = EncryptedNoteField(blank=True)
    opened_at = models.DateTimeField(default=timezone.now, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = staff_member(null=True)
    outcome = models.CharField(max_length=24, choices=TaskOutcome.choices, blank=True)
    note = EncryptedNoteField(blank=True)

    class Meta:
        ordering = ["opened_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key"],
                condition=models.Q(state="open"),
                name="review_task_one_open_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} task #{self.pk}"


#: Between two caseworkers' notes in a task's ``opening_note`` (a note written on the page is
#: one line).
NOTES_SEPARATOR = "\n\n"


def task_notes(opening_note: str) -> list[str]:
    """The caseworkers' notes kept in a task's ``opening_note``, the first one first."""
    return [note for note in opening_note.split(NOTES_SEPARATOR) if note]


class OneTimeCode(models.Model):
    """A one-time code sent to a family's contact: only the code's keyed hash is kept; it
    expires and allows few tries. The PIN recovery and the contact verification are its kinds
    (``services.one_time_codes`` issues both)."""

    code_hash = models.CharField(max_length=64)
    code_salt = models.CharField(max_length=32)
    channel = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]


class PinRecovery(OneTimeCode):
    """A code sent to the contact on file so that a family that lost its PIN can choose a new
    one."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="pin_recoveries"
    )

    def __str__(self) -> str:
        return f"PIN recovery #{self.pk} of registration #{self.registration_id}"


class ContactVerification(OneTimeCode):
    """A code sent to the phone or e-mail a self-service family gave; the family types it back
    before it joins the queue (until then: needs verification; ``services.verification``)."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="contact_verifications"
    )

    def __str__(self) -> str:
        return f"contact verification #{self.pk} of registration #{self.registration_id}"
