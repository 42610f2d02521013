from django.urls import path

from asilo.web.processing import views

app_name = "processing"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("queue/", views.work_queue, name="work_queue"),
    path("encounters/", views.encounter_list, name="encounter_list"),
    path("custody/", views.custody_list, name="custody_list"),
    path("custody/<int:custody_id>/book-out/", views.book_out, name="book_out"),
    path("custody/<int:custody_id>/exception/", views.exception_request, name="exception_request"),
    path("encounters/new/", views.encounter_new, name="encounter_new"),
    path("encounters/<int:encounter_id>/", views.encounter_detail, name="encounter_detail"),
    path(
        "encounters/<int:encounter_id>/confirm/", views.encounter_confirm, name="encounter_confirm"
    ),
    path(
        "encounters/<int:encounter_id>/override/",
        views.encounter_override,
        name="encounter_override",
    ),
    path("people/<int:person_id>/", views.person_detail, name="person_detail"),
    path("families/<int:family_unit_id>/", views.family_detail, name="family_detail"),
    path("overrides/", views.override_list, name="override_list"),
    path("overrides/<int:override_id>/review/", views.override_review, name="override_review"),
    path("exceptions/", views.exception_list, name="exception_list"),
    path("exceptions/<int:exception_id>/decide/", views.exception_decide, name="exception_decide"),
    path("tasks/<int:task_id>/step/", views.task_step, name="task_step"),
    path("tasks/<int:task_id>/note/", views.task_note, name="task_note"),
    path("tasks/<int:task_id>/close/", views.task_close, name="task_close"),
    path("notifications/", views.notifications, name="notifications"),
]
