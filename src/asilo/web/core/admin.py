"""What the apps' Django admin pages share: who may open them, and read-only pages."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import admin
from django.http import HttpRequest

from asilo.web.core.roles import Capability, has_capability


class CapabilityAdminMixin:
    """An admin page for holders of :attr:`capability` only (and nobody else, staff flag or
    not); :attr:`may_delete` False keeps rows that audit entries point at."""

    capability: ClassVar[Capability]
    may_delete: ClassVar[bool] = True

    def _may(self, request: HttpRequest) -> bool:
        return has_capability(request.user, self.capability)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.may_delete and self._may(request)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Changes go through the services (audited), never through the admin."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
