from django.urls import path

from . import views

app_name = "risk"
urlpatterns = [
    path("", views.risk_page, name="page"),
    path("settings/<str:code>/", views.settings_page, name="settings"),
    path("settings/<str:code>/recompute/", views.recompute, name="recompute"),
    path("warnings/<int:pk>/acknowledge/", views.warning_acknowledge, name="acknowledge"),
    path("warnings/<int:pk>/close/", views.warning_close, name="close"),
    path("warnings/", views.warning_queue, name="warnings"),
    path("warnings/<int:pk>/", views.warning_detail, name="warning"),
    path("warnings/<int:pk>/transfer/", views.warning_transfer, name="transfer"),
    path("warnings/<int:pk>/escalate/", views.warning_escalate, name="escalate"),
    path("screen/", views.screen_page, name="screen"),
    path("population/", views.population_page, name="population"),
    path("population.xlsx", views.population_xlsx, name="population-xlsx"),
    path("cases/", views.case_statistics_page, name="case-stats"),
    path("cases.xlsx", views.case_statistics_xlsx, name="case-stats-xlsx"),
    path("report/", views.report_page, name="report"),
    path("report.xlsx", views.report_xlsx, name="report-xlsx"),
    path("likely-overdue/", views.likely_overdue_page, name="likely-overdue"),
    path("screen/<slug:panel>.json", views.screen_panel, name="screen-panel"),
    path("panels/<slug:panel>/", views.page_panel, name="panel"),
]
