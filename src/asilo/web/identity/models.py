"""Identities: one per person, across encounters (people) and registrations (their members).

An :class:`IdentityRecord` is one record that identity resolution links (a person of the
encounters, or a member of a registered family) with the identity it belongs to and its link
strength (``match_probability``: the highest match probability of its links at or above the
identity threshold, 1 for a record alone). A :class:`LinkRun` is one run of the linkage job.
A :class:`ReviewPair` is a pair of records between the two thresholds: a supervisor decides
whether they are the same person; each decision (and each reversal) is a
:class:`ReviewDecision`, the labels that evaluation reads. No name is stored here.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from asilo.web.core.fields import staff_member


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Failed")


class RunTrigger(models.TextChoices):
    COMMAND = "command", _("Command line")
    TASK = "task", _("Background task")
    DEMO = "demo", _("Demo set-up")


class LinkRun(models.Model):
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=RunStatus.choices, default=RunStatus.RUNNING)
    trigger = models.CharField(max_length=8, choices=RunTrigger.choices)
    started_by = staff_member(null=True)
    model_version = models.CharField(max_length=80, blank=True)
    same_identity_threshold = models.FloatField()
    review_threshold = models.FloatField()
    records = models.PositiveIntegerField(default=0)
    identities = models.PositiveIntegerField(default=0)
    review_pairs = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(null=True, blank=True)
    #: The failure's kind (an exception class name), never data.
    error = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"link run #{self.pk}"


class Identity(models.Model):
    """One person as identity resolution sees them."""

    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "identities"

    def __str__(self) -> str:
        return f"identity #{self.pk}"


class Source(models.TextChoices):
    PERSON = "person", _("Person encountered")
    MEMBER = "member", _("Member of a registered family")


class Assigned(models.TextChoices):
    RUN = "run", _("Linkage run")
    MATCH = "match", _("Matched when recorded")
    REVIEW = "review", _("A supervisor's decision")


class IdentityRecord(models.Model):
    identity = models.ForeignKey(Identity, on_delete=models.PROTECT, related_name="records")
    source = models.CharField(max_length=8, choices=Source.choices)
    person = models.OneToOneField(
        "people.Person",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="identity_record",
    )
    member = models.OneToOneField(
        "registrations.Member",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="identity_record",
    )
    match_probability = models.FloatField()
    assigned = models.CharField(max_length=8, choices=Assigned.choices)
    assigned_at = models.DateTimeField(default=timezone.now)
    #: When the record was first stored (never changes; the matcher's cache compares it).
    added_at = models.DateTimeField(default=timezone.now)
    run = models.ForeignKey(
        LinkRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(source="person", person__isnull=False, member__isnull=True)
                    | models.Q(source="member", member__isnull=False, person__isnull=True)
                ),
                name="identity_record_one_source",
            ),
            models.CheckConstraint(
                condition=models.Q(match_probability__gte=0, match_probability__lte=1),
                name="identity_record_probability_0_1",
            ),
        ]

    def __str__(self) -> str:
        return f"identity record #{self.pk}"

    @property
    def record_id(self) -> str:
        """The record's id in the linkage files: ``P<person id>`` or ``M<member id>``."""
        if self.source == Source.PERSON:
            return f"P{self.person_id}"
        return f"M{self.member_id}"


class PairStatus(models.TextChoices):
    OPEN = "open", _("Awaiting a decision")
    SAME = "same", _("Same person")
    DIFFERENT = "different", _("Different people")


class ReviewPair(models.Model):
    """Two records between the review and identity thresholds, in different identities."""

    left = models.ForeignKey(IdentityRecord, on_delete=models.CASCADE, related_name="+")
    right = models.ForeignKey(IdentityRecord, on_delete=models.CASCADE, related_name="+")
    match_probability = models.FloatField()
    found_at = models.DateTimeField(default=timezone.now, db_index=True)
    run = models.ForeignKey(
        LinkRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=PairStatus.choices, default=PairStatus.OPEN)
    decided_by = staff_member(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    #: What a "same person" decision moved (record ids and the identity they left), so that
    #: undoing it puts them back.
    moved = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-match_probability", "id"]
        constraints = [
            models.UniqueConstraint(fields=["left", "right"], name="review_pair_once"),
            models.CheckConstraint(
                condition=models.Q(status="open", decided_at__isnull=True)
                | (~models.Q(status="open") & models.Q(decided_at__isnull=False)),
                name="review_pair_decided_with_time",
            ),
        ]

    def __str__(self) -> str:
        return f"review pair #{self.pk}"


class Decision(models.TextChoices):
    SAME = "same", _("Same person")
    DIFFERENT = "different", _("Different people")
    UNDONE = "undone", _("Decision undone")


class ReviewDecision(models.Model):
    """One decision on a pair, or its reversal: the labels (append-only)."""

    pair = models.ForeignKey(ReviewPair, on_delete=models.CASCADE, related_name="decisions")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    #: The two records as linkage record ids (``P12``, ``M40``), kept for the labels file.
    record_id_l = models.CharField(max_length=24)
    record_id_r = models.CharField(max_length=24)
    match_probability = models.FloatField()
    actor = staff_member()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.decision} on review pair #{self.pair_id}"
