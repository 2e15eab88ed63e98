"""Citizens' pages, mounted at /public/ (no login)."""

from django.urls import path

from . import views

app_name = "intake"
urlpatterns = [
    path("report/", views.report_page, name="report"),
    path("report/duplicates/", views.report_duplicates, name="duplicates"),
    path("grids.geojson", views.grid_outlines, name="grids"),
    path("locate/", views.locate, name="locate"),
    path("phone/code/", views.phone_code, name="phone_code"),
    path("phone/verify/", views.phone_verify, name="phone_verify"),
    path("track/<str:token>/", views.track, name="track"),
    path("track/<str:token>/rate/", views.rate, name="rate"),
    path("track/<str:token>/still-a-problem/", views.still_a_problem, name="still"),
    path("track/<str:token>/photos/<int:pk>/", views.after_photo, name="photo"),
    path(
        "track/<str:token>/photos/<int:pk>/thumbnail/",
        views.after_photo,
        {"thumbnail": True},
        name="thumbnail",
    ),
]
