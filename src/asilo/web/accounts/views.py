"""Sign-in, sign-out and the home page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse_lazy

from asilo.web.accounts import services
from asilo.web.core.roles import capabilities_of
from asilo.web.navigation import items_for


class SignInView(auth_views.LoginView):
    """Django's sign-in, with every outcome audited (never the password)."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        services.login_record(user=form.get_user())
        return response

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        username = str(self.request.POST.get("username", ""))
        services.login_failure_record(
            username=username, locked_out=bool(getattr(self.request, "axes_locked_out", False))
        )
        return super().form_invalid(form)


class SignOutView(auth_views.LogoutView):
    """POST only; back to the sign-in page (LOGOUT_REDIRECT_URL)."""


class PasswordSetView(auth_views.PasswordResetConfirmView):
    """The one-time link of a password reset: the user (only) sets a new password."""

    template_name = "accounts/password_set.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:  # type: ignore[type-arg]
        response = super().form_valid(form)
        services.password_set_record(user=form.user)
        return response


class PasswordSetDoneView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_set_done.html"


@login_required
def home(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {
        "pages": [i for i in items_for(request) if i["url"] != request.path],
        "capabilities": sorted(str(c) for c in capabilities_of(request.user)),
    }
    return render(request, "accounts/home.html", context)
