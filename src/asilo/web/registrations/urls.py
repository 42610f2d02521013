"""Registration pages: public (self-service, status) and caseworkers' (under staff/)."""

from django.urls import path

from asilo.web.registrations import views

app_name = "registrations"

urlpatterns = [
    path("", views.start, name="start"),
    path("new/", views.register, name="register"),
    path("done/<str:number>/", views.done, name="done"),
    path("status/", views.status, name="status"),
    path("status/recover/", views.pin_recover, name="recover"),
    path("status/family/", views.family_members, name="family"),
    path("verify/", views.verify_contact, name="verify"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.assisted_register, name="assisted"),
    path("staff/tasks/", views.staff_tasks, name="tasks"),
    path("staff/import/", views.staff_import, name="import"),
    path("staff/import/numbers.csv", views.staff_import_csv, name="import_csv"),
    path("staff/import/slips/", views.staff_import_slips, name="import_slips"),
    path("staff/export.csv", views.staff_export, name="export"),
    path("staff/<str:number>/", views.staff_detail, name="detail"),
    path("staff/<str:number>/slip/", views.staff_slip, name="slip"),
]
