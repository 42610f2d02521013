"""The audit entry: append-only (no update, no delete through the application; database
triggers refuse UPDATE and DELETE), each entry chained to the one before it by its hash."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from asilo.web.core.fields import staff_member


class AuditAction(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    DELETE = "delete", _("deleted")
    VIEW = "view", _("viewed")
    DECIDE = "decide", _("decided")
    CONFIRM = "confirm", _("confirmed")
    OVERRIDE = "override", _("overridden")
    REVIEW = "review", _("reviewed")
    BOOK_IN = "book_in", _("booked in")
    BOOK_OUT = "book_out", _("booked out")
    APPROVE = "approve", _("approved")
    DENY = "deny", _("denied")
    LOGIN = "login", _("signed in")
    LOGIN_FAILED = "login_failed", _("sign-in failed")
    TOKEN_CREATE = "token_create", _("token issued")
    EXPORT = "export", _("exported")
    ALLOCATE = "allocate", _("allocated")
    CHECK_IN = "check_in", _("checked in")
    REFUSED = "refused", _("refused")
    PASSWORD_RESET = "password_reset", _("password reset link sent")
    PASSWORD_SET = "password_set", _("password set")
    ROLE_REQUEST = "role_request", _("role requested")


class AppendOnlyError(RuntimeError):
    """Raised on any attempt to change or delete an audit entry."""


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    """Bulk changes are refused too: ``update()``, ``bulk_update()`` and ``delete()`` raise,
    and ``bulk_create()`` (which would skip the hash chain) too. The database's triggers
    refuse whatever gets past this (raw SQL included)."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Audit entries cannot be changed.")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        raise AppendOnlyError("Audit entries cannot be changed.")

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> list[AuditEntry]:
        raise AppendOnlyError("Append audit entries with audit_record() (it chains them).")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit entries cannot be deleted.")


class AuditEntry(models.Model):
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = staff_member(null=True, blank=True)
    actor_username = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=20, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(max_length=60, db_index=True)
    object_id = models.CharField(max_length=64, db_index=True, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    catalogue_version = models.CharField(max_length=80, blank=True)
    note = models.TextField(blank=True)
    #: The hash chain (:mod:`asilo.web.audit.chain`): the previous entry's hash and this one's.
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    entry_hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "at"])]
        verbose_name_plural = "audit entries"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Audit entries cannot be deleted.")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.object_type}"
