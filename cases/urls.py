from django.urls import path

from . import views
from .views import export, handling, photos

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("bulk-dispatch/", views.bulk_dispatch, name="bulk-dispatch"),
    path("exports/", export.export_start, name="export-start"),
    path("exports/<int:pk>/", export.export_page, name="export"),
    path("exports/<int:pk>/progress.json", export.export_progress, name="export-progress"),
    path("exports/<int:pk>/file/", export.export_file, name="export-file"),
    path("new/", views.case_report_page, name="report"),
    path("new/duplicates/", views.report_duplicates, name="duplicates"),
    path("grids.geojson", views.grid_boundaries, name="grids"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/act/<slug:name>/", views.case_act, name="act"),
    path("<int:pk>/correct-area/", views.correct_area, name="correct-area"),
    path("<int:pk>/note/", handling.case_note, name="note"),
    path("<int:pk>/assign/", handling.case_assign, name="assign"),
    path("attachments/<int:pk>/", views.attachment_file, name="attachment"),
    path("attachments/<int:pk>/thumbnail/", views.attachment_file, {"thumbnail": True}, name="thumbnail"),
    path("attachments/<int:pk>/review/", photos.photo_review, name="photo-review"),
    path("attachments/<int:pk>/blur/", photos.photo_blur, name="photo-blur"),
    path("attachments/<int:pk>/public/", photos.public_copy, name="photo-public"),
    path(
        "attachments/<int:pk>/public/thumbnail/",
        photos.public_copy,
        {"thumbnail": True},
        name="photo-public-thumb",
    ),
]
