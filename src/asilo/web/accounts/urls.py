from django.urls import path

from asilo.web.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path(
        "reset/<uidb64>/<token>/",
        views.PasswordSetView.as_view(),
        name="password_reset_confirm",
    ),
    path("reset/done/", views.PasswordSetDoneView.as_view(), name="password_reset_complete"),
]
