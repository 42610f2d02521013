"""URL configuration: pages, the API under /api/v1/, the admin, language switching."""

from django.contrib import admin
from django.urls import include, path

from asilo.web.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("asilo.web.accounts.urls")),
]
