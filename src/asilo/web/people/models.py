"""People and family units.

Names, dates of birth, A-numbers and document numbers are encrypted at rest, field by field
(django-fernet-encrypted-fields: Fernet keys derived from ``SECRET_KEY`` and ``SALT_KEY``). The
name search goes through :class:`NameIndexEntry`, a blind index of keyed digests, so no name is
ever stored or compared in clear by the database.
"""

from __future__ import annotations

from datetime import date

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedCharField, EncryptedDateField

from asilo.policy.schema import VULNERABILITIES as POLICY_VULNERABILITIES
from asilo.web.core.fields import staff_member
from asilo.web.core.relationships import RelationshipToChildren


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    X = "x", _("Unspecified or another sex (X)")
    UNKNOWN = "unknown", _("Not recorded")


#: Flags the policy engine reads (the encounter document's ``vulnerabilities``), plus the ones
#: that only the person's record carries (the policy engine has no rule that reads them).
PERSON_ONLY_VULNERABILITIES: tuple[str, ...] = ("violence_in_mexico",)
VULNERABILITIES: tuple[str, ...] = (*POLICY_VULNERABILITIES, *PERSON_ONLY_VULNERABILITIES)


class MemberRole(models.TextChoices):
    ADULT = "adult", _("Adult")
    CHILD = "child", _("Child")


#: A member's relationship to the children of the unit (for a child: ``child``): the shared
#: vocabulary of border processing (``asilo.web.core.relationships``), not registration's
#: relationship to the principal, where ``"parent"`` means the opposite.
Relationship = RelationshipToChildren


class DocumentKind(models.TextChoices):
    PASSPORT = "passport", _("Passport")
    NATIONAL_ID = "national_id", _("National identity card")
    BIRTH_CERTIFICATE = "birth_certificate", _("Birth certificate")
    CONSULAR_ID = "consular_id", _("Consular identity card")
    OTHER = "other", _("Other document")


class Person(models.Model):
    """A person encountered at the border. Every identifying field is optional and encrypted."""

    given_names = EncryptedCharField(_("given names"), max_length=200, null=True, blank=True)
    first_surname = EncryptedCharField(_("first surname"), max_length=200, null=True, blank=True)
    second_surname = EncryptedCharField(_("second surname"), max_length=200, null=True, blank=True)
    date_of_birth = EncryptedDateField(_("date of birth"), null=True, blank=True)
    estimated_age = models.PositiveSmallIntegerField(_("age (stated or estimated)"), null=True)
    age_recorded_on = models.DateField(_("date the age was recorded"), null=True)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices, default=Sex.UNKNOWN)
    nationality = models.CharField(_("nationality (ISO alpha-3)"), max_length=3)
    languages = models.JSONField(_("languages (ISO 639)"), default=list, blank=True)
    a_number = EncryptedCharField(_("A-number"), max_length=9, null=True, blank=True)
    a_number_digest = models.CharField(max_length=64, null=True, blank=True, unique=True)
    vulnerabilities = models.JSONField(_("vulnerabilities"), default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = staff_member(null=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sex__in=[s.value for s in Sex]), name="person_sex_is_known"
            ),
            models.CheckConstraint(
                condition=models.Q(estimated_age__isnull=True) | models.Q(estimated_age__lte=120),
                name="person_age_at_most_120",
            ),
        ]

    def __str__(self) -> str:  # never a name: str() ends up in logs and admin history
        return f"person #{self.pk}"

    @property
    def surnames(self) -> str:
        return " ".join(s for s in (self.first_surname, self.second_surname) if s)

    @property
    def full_name(self) -> str:
        return " ".join(s for s in (self.given_names, self.surnames) if s)

    def age_on(self, on: date) -> int | None:
        """The person's age on ``on``: from the date of birth, else the recorded age."""
        if self.date_of_birth is not None:
            born = self.date_of_birth
            return int(on.year - born.year - ((on.month, on.day) < (born.month, born.day)))
        if self.estimated_age is None:
            return None
        if self.age_recorded_on is None or on <= self.age_recorded_on:
            return self.estimated_age
        return self.estimated_age + (on - self.age_recorded_on).days // 365


class IdentityDocument(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    issuing_country = models.CharField(_("issuing country"), max_length=3, blank=True)
    number = EncryptedCharField(_("number"), max_length=40)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} of person #{self.person_id}"


class NameIndexEntry(models.Model):
    """One keyed digest (HMAC-SHA256) of a normalised name token or of a one-deletion variant."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="name_index")
    digest = models.CharField(max_length=64, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "digest"], name="name_index_unique")
        ]


class FamilyUnit(models.Model):
    """People travelling together (CBP's FMUA when it is a family unit in law)."""

    created_at = models.DateTimeField(default=timezone.now)
    created_by = staff_member(null=True)
    members = models.ManyToManyField(Person, through="FamilyMembership", related_name="families")

    class Meta:
        ordering = ["id"]
        verbose_name = _("family unit")

    def __str__(self) -> str:
        return f"family unit #{self.pk}"


class FamilyMembership(models.Model):
    family_unit = models.ForeignKey(
        FamilyUnit, on_delete=models.CASCADE, related_name="memberships"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    position = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=8, choices=MemberRole.choices)
    relationship = models.CharField(max_length=20, choices=RelationshipToChildren.choices)

    class Meta:
        ordering = ["family_unit_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["family_unit", "person"], name="family_member_once"),
            models.UniqueConstraint(
                fields=["family_unit", "position"], name="family_position_once"
            ),
        ]

    def __str__(self) -> str:
        return f"person #{self.person_id} in family unit #{self.family_unit_id}"
