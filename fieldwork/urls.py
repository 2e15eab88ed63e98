from django.urls import path

from . import views

app_name = "fieldwork"
urlpatterns = [
    path("", views.home, name="home"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/export/", views.coverage_export, name="coverage-export"),
    path("attendance/", views.attendance, name="attendance"),
    path("days/new/", views.day_new, name="day-new"),
    path("days/<int:pk>/", views.day_detail, name="day"),
    path("mine/", views.mine, name="mine"),
    path("visits/<int:pk>/", views.deployment_detail, name="deployment"),
    path("visits/<int:pk>/check-in/", views.deployment_check_in, name="check-in"),
    path("visits/<int:pk>/record/", views.deployment_record, name="record"),
    path("logs/today/", views.log_today, name="log-today"),
    path("logs/<int:pk>/", views.log_detail, name="log"),
]
