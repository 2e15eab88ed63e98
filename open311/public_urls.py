"""/public/reports/: the citizens' list of published reports, one report's page, updates and alerts."""

from django.urls import path

from . import citizen_pages, public_pages

app_name = "public-reports"
urlpatterns = [
    path("", public_pages.reports, name="list"),
    path("alerts/", citizen_pages.subscribe, name="subscribe"),
    path("alerts/confirm/<str:token>/", citizen_pages.confirm, name="confirm"),
    path("alerts/stop/<str:token>/", citizen_pages.unsubscribe, name="unsubscribe"),
    path("map/", public_pages.reports_map, name="map"),
    path("map.json", public_pages.reports_map_points, name="map-points"),
    path("<str:public_id>/", public_pages.report, name="detail"),
    path("<str:public_id>/update/", citizen_pages.report_update, name="update"),
]
