"""Users, organisations and API tokens in the admin: for holders of ``users.manage`` only.

Rights come from the role alone: the admin never grants superuser status or Django
permissions, and an account's staff flag follows its role.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from asilo.web.accounts.errors import AccountsErrorCode
from asilo.web.accounts.models import ApiToken, Organisation, RoleGrant, User
from asilo.web.accounts.services import (
    account_state,
    is_staff_role,
    needs_approval,
    password_reset_issue,
    role_grant_decide,
    role_grant_open,
    token_revoke,
    user_role_request,
)
from asilo.web.audit.models import AuditAction
from asilo.web.audit.services import audit_change, audit_refusal
from asilo.web.core.actors import request_actor
from asilo.web.core.admin import CapabilityAdminMixin
from asilo.web.core.errors import DomainError
from asilo.web.core.roles import Capability, Role


class UsersManageMixin(CapabilityAdminMixin):
    capability = Capability.USERS_MANAGE
    may_delete = False  # deactivate instead: audit entries keep pointing at the account


class UserAddForm(forms.ModelForm):  # type: ignore[type-arg]
    """A new account: no password field. Its holder sets one through a one-time link."""

    class Meta:
        model = User
        fields = ("username", "email", "role", "organisation")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("role") == Role.CASEWORKER and not data.get("organisation"):
            self.add_error("organisation", str(AccountsErrorCode.ORGANISATION_REQUIRED.message))
        return data


@admin.register(User)
class UserAdmin(UsersManageMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Accounts, with separation of duties: no administrator sets or sees a password (resets
    send the user a one-time link), nobody changes their own role, organisation or status, and
    a role that reads personal data (or admin) waits for a second administrator."""

    list_display = ("username", "role", "organisation", "is_active", "last_login")
    list_filter = ("role", "organisation", "is_active")
    search_fields = ("username",)
    fieldsets = (
        (None, {"fields": ("username",)}),
        (_("Role"), {"fields": ("role", "organisation", "is_active")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"fields": ("username", "email", "role", "organisation")}),)
    actions = ["send_password_reset"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = UserAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fixed = ["last_login", "date_joined"]
        if obj is None:
            return fixed
        fixed.append("email")  # the reset link goes there: an admin may not redirect it
        if obj.pk == request.user.pk:
            fixed += ["role", "organisation", "is_active"]
        return fixed

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        actor = request_actor(request)
        base_url = request.build_absolute_uri("/")
        if not change:
            self._add(request, actor, obj, base_url)
            return
        old = User.objects.select_related("organisation").get(pk=obj.pk)
        wanted_role, wanted_org, wanted_active = obj.role, obj.organisation, obj.is_active
        role_changed = (wanted_role, wanted_org) != (old.role, old.organisation)
        reactivated = wanted_active and not old.is_active
        if obj.pk == actor.pk and (role_changed or wanted_active != old.is_active):
            self._refuse_own(request, actor, obj)
            return
        with transaction.atomic():
            obj.role, obj.organisation = old.role, old.organisation
            obj.is_active = (
                old.is_active if reactivated and needs_approval(old.role) else wanted_active
            )
            obj.email = old.email
            obj.is_staff = is_staff_role(obj.role)
            obj.is_superuser = False
            super().save_model(request, obj, form, change)
            audit_change(
                actor=actor,
                action=AuditAction.UPDATE,
                obj=obj,
                before=account_state(old),
                after=account_state(obj),
            )
        if role_changed or (reactivated and needs_approval(old.role)):
            try:
                grant = user_role_request(
                    actor=actor, user=obj, role=wanted_role, organisation=wanted_org
                )
            except DomainError as exc:
                messages.error(request, exc.message)
                return
            if grant is not None:
                messages.warning(
                    request, _("The role takes effect when a second administrator approves it.")
                )

    def _add(self, request: HttpRequest, actor: User, obj: User, base_url: str) -> None:
        wanted_role, wanted_org = obj.role, obj.organisation
        held = needs_approval(wanted_role)
        with transaction.atomic():
            obj.set_unusable_password()
            obj.is_staff = is_staff_role(wanted_role)
            obj.is_superuser = False
            obj.is_active = not held
            obj.save()
            audit_change(actor=actor, action=AuditAction.CREATE, obj=obj, after=account_state(obj))
            if held:
                role_grant_open(actor=actor, user=obj, role=wanted_role, organisation=wanted_org)
        if held:
            messages.warning(
                request, _("The account is active once a second administrator approves its role.")
            )
        elif obj.email:
            try:
                password_reset_issue(actor=actor, user=obj, base_url=base_url)
            except DomainError as exc:
                messages.error(request, exc.message)

    def _refuse_own(self, request: HttpRequest, actor: User, obj: User) -> None:
        audit_refusal(actor=actor, obj=obj, note="own role change refused")
        messages.error(request, str(AccountsErrorCode.OWN_ROLE.message))

    @admin.action(description=_("Send a password reset link"))
    def send_password_reset(self, request: HttpRequest, queryset: Any) -> None:
        actor = request_actor(request)
        base_url = request.build_absolute_uri("/")
        for user in queryset:
            try:
                password_reset_issue(actor=actor, user=user, base_url=base_url)
            except DomainError as exc:
                messages.error(request, f"{user.username}: {exc.message}")
            else:
                messages.success(
                    request, _("%(username)s: reset link sent.") % {"username": user.username}
                )


@admin.register(RoleGrant)
class RoleGrantAdmin(UsersManageMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Role requests awaiting a second administrator."""

    list_display = (
        "user",
        "role",
        "organisation",
        "requested_by",
        "requested_at",
        "status",
        "decided_by",
    )
    list_filter = ("status", "role")
    actions = ["approve", "deny"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _decide(self, request: HttpRequest, queryset: Any, approve: bool) -> None:
        actor = request_actor(request)
        for grant in queryset:
            try:
                role_grant_decide(
                    actor=actor,
                    grant=grant,
                    approve=approve,
                    base_url=request.build_absolute_uri("/"),
                )
            except DomainError as exc:
                messages.error(request, f"{grant.user.username}: {exc.message}")

    @admin.action(description=_("Approve the selected role requests"))
    def approve(self, request: HttpRequest, queryset: Any) -> None:
        self._decide(request, queryset, True)

    @admin.action(description=_("Deny the selected role requests"))
    def deny(self, request: HttpRequest, queryset: Any) -> None:
        self._decide(request, queryset, False)


@admin.register(Organisation)
class OrganisationAdmin(UsersManageMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "created_at")
    search_fields = ("name",)

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_change(
                actor=request_actor(request),
                action=AuditAction.UPDATE if change else AuditAction.CREATE,
                obj=obj,
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
            token_revoke(actor=request_actor(request), token=token)
