from django.urls import path

from asilo.web.appointments import views

app_name = "appointments"

urlpatterns = [
    path("capacities/", views.capacities, name="capacities"),
    path("runs/", views.runs, name="runs"),
    path("runs/<int:run_id>/", views.run_detail, name="run_detail"),
    path("day/", views.day, name="day"),
    path("fairness/", views.fairness, name="fairness"),
    path("check-in/", views.checkin, name="checkin"),
    path("check-in/<int:appointment_id>/done/", views.checkin_done, name="checkin_done"),
    path("notice/<int:appointment_id>/", views.staff_notice, name="staff_notice"),
    path("notice/<int:appointment_id>/calendar.ics", views.notice_ics, name="notice_ics"),
    path("my/", views.family_login, name="family_login"),
    path("my/notice/", views.family_notice, name="family_notice"),
    path("my/sign-out/", views.family_logout, name="family_logout"),
]
