"""/public/reports/: the citizens' list of published reports and one report's page."""

from django.urls import path

from . import public_pages

app_name = "public-reports"
urlpatterns = [
    path("", public_pages.reports, name="list"),
    path("<str:public_id>/", public_pages.report, name="detail"),
]
