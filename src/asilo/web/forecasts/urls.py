from django.urls import path

from asilo.web.forecasts import views

app_name = "forecasts"

urlpatterns = [
    path("", views.encounters_page, name="encounters"),
    path("custody/", views.custody_page, name="custody"),
    path("charts/<str:name>.<str:fmt>", views.chart_download, name="chart"),
]
