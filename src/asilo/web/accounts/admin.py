"""Users, organisations and API tokens in the admin: for holders of ``users.manage`` only.

Rights come from the role alone: the admin never grants superuser status or Django
permissions, and an account's staff flag follows its role.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from asilo.web.accounts.models import ApiToken, Organisation, User
from asilo.web.accounts.roles import Capability, has_capability
from asilo.web.accounts.services import is_staff_role, token_revoke
from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_record


class UsersManageMixin:
    def _may(self, request: HttpRequest) -> bool:
        return has_capability(request.user, Capability.USERS_MANAGE)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deactivate instead: audit entries keep pointing at the account


def _user_state(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "role": user.role,
        "organisation": user.organisation.name if user.organisation else None,
        "is_active": user.is_active,
    }


@admin.register(User)
class UserAdmin(UsersManageMixin, DjangoUserAdmin):  # type: ignore[type-arg]
    list_display = ("username", "role", "organisation", "is_active", "last_login")
    list_filter = ("role", "organisation", "is_active")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Role"), {"fields": ("role", "organisation", "is_active")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "password1", "password2", "role", "organisation")}),
    )
    readonly_fields = ("last_login", "date_joined")

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        with transaction.atomic():
            before = _user_state(User.objects.get(pk=obj.pk)) if change else None
            obj.is_staff = is_staff_role(obj.role)
            obj.is_superuser = False
            super().save_model(request, obj, form, change)
            audit_record(
                actor=request.user,
                action=AuditAction.UPDATE if change else AuditAction.CREATE,
                object_type="accounts.user",
                object_id=obj.pk,
                before=before,
                after=_user_state(obj),
            )


@admin.register(Organisation)
class OrganisationAdmin(UsersManageMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "created_at")
    search_fields = ("name",)

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_record(
                actor=request.user,
                action=AuditAction.UPDATE if change else AuditAction.CREATE,
                object_type="accounts.organisation",
                object_id=obj.pk,
                after={"name": obj.name},
            )


@admin.register(ApiToken)
class ApiTokenAdmin(UsersManageMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("prefix", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    readonly_fields = ("user", "prefix", "created_at", "last_used_at", "revoked_at")
    exclude = ("digest",)
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are issued by `asilo token create`, which shows the raw token once

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        for token in queryset.filter(revoked_at__isnull=True):
            token_revoke(actor=request.user, token=token)
