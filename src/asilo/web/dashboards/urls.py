from django.urls import path

from asilo.web.dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.statistics_page, name="statistics"),
    path("charts/<str:name>.<str:fmt>", views.chart_download, name="chart"),
]
