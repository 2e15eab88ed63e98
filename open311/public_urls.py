"""/public/reports/: the citizens' list of published reports and one report's page."""

from django.urls import path

from . import public_pages

app_name = "public-reports"
urlpatterns = [
    path("", public_pages.reports, name="list"),
    path("map/", public_pages.reports_map, name="map"),
    path("map.json", public_pages.reports_map_points, name="map-points"),
    path("<str:public_id>/", public_pages.report, name="detail"),
]
