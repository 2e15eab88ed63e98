from django.urls import path

from . import views

app_name = "residents"
urlpatterns = [
    path("", views.household_find, name="find"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("persons/", views.person_page, name="persons"),
    path("persons/<int:pk>/reveal/", views.person_reveal, name="reveal"),
    path("tasks/", views.task_page, name="tasks"),
    path("coverage/", views.coverage_page, name="coverage"),
    path("import/", views.import_page, name="import"),
    path("import/template/", views.import_template, name="import-template"),
    path("import/<int:pk>/", views.import_job, name="import-job"),
    path("export/", views.export_page, name="export"),
    path("access-log/", views.access_log_page, name="access-log"),
    path("base-layer/", views.base_layer, name="base-layer"),
]
