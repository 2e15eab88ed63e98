from django.urls import path

from . import views

app_name = "residents"
urlpatterns = [
    path("", views.household_find, name="find"),
    path("households/new/", views.household_new, name="household-new"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("households/<int:pk>/move/", views.household_edit, name="household-edit"),
    path("persons/", views.person_page, name="persons"),
    path("persons/new/", views.person_new, name="person-new"),
    path("persons/<int:pk>/", views.person_edit, name="person"),
    path("persons/<int:pk>/reveal/", views.person_reveal, name="reveal"),
    path("buildings/", views.building_list, name="buildings"),
    path("buildings/new/", views.building_new, name="building-new"),
    path("buildings/<int:pk>/", views.building_edit, name="building"),
    path("places/", views.place_list, name="places"),
    path("places/new/", views.place_new, name="place-new"),
    path("places/<int:pk>/", views.place_edit, name="place"),
    path("map.json", views.register_map_json, name="map"),
    path("tasks/", views.task_page, name="tasks"),
    path("coverage/", views.coverage_page, name="coverage"),
    path("import/", views.import_page, name="import"),
    path("import/template/", views.import_template, name="import-template"),
    path("import/<int:pk>/", views.import_job, name="import-job"),
    path("export/", views.export_page, name="export"),
    path("access-log/", views.access_log_page, name="access-log"),
    path("base-layer/", views.base_layer, name="base-layer"),
]
