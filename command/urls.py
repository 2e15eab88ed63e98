from django.urls import path

from . import views

app_name = "command"
urlpatterns = [
    path("", views.map_page, name="map"),
    path("counts/", views.counts_partial, name="counts"),
    path("overdue/", views.overdue_partial, name="overdue"),
    path("supervised/", views.supervised_partial, name="supervised"),
    path("grids.json", views.grids_json, name="grids"),
    path("grid-load.json", views.grid_load_json, name="grid-load"),
    path("cases.json", views.cases_json, name="cases"),
    path("grids/adjust/", views.adjust_page, name="adjust"),
    path("patrol/", views.patrol_page, name="patrol"),
    path("patrol/last.json", views.patrol_last_json, name="patrol-last"),
    path("patrol/track/<int:user_id>.json", views.patrol_track_json, name="track"),
]
