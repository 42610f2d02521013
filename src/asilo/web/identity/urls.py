from django.urls import path

from asilo.web.identity import views

app_name = "identity"

urlpatterns = [
    path("review/", views.review_queue, name="review_queue"),
    path("review/<int:pair_id>/", views.review_pair, name="review_pair"),
    path("review/<int:pair_id>/decide/", views.review_decide, name="review_decide"),
    path("review/<int:pair_id>/undo/", views.review_undo, name="review_undo"),
]
