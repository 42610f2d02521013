"""URL configuration: pages, the API under /api/v1/, the admin, language switching."""

from django.contrib import admin
from django.urls import include, path

from asilo.web.accounts.views import home
from asilo.web.api import api

handler404 = "asilo.web.core.views.not_found"
handler500 = "asilo.web.core.views.server_error"

admin.site.site_header = "asilo"
admin.site.site_title = "asilo"

urlpatterns = [
    path("", home, name="home"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("asilo.web.accounts.urls")),
    path("audit/", include("asilo.web.audit.urls")),
    path("appointments/", include("asilo.web.appointments.urls")),
    path("registrations/", include("asilo.web.registrations.urls")),
    path("processing/", include("asilo.web.processing.urls")),
    path("statistics/", include("asilo.web.dashboards.urls")),
    path("identity/", include("asilo.web.identity.urls")),
    path("forecasts/", include("asilo.web.forecasts.urls")),
]
