from django.urls import path

from . import views

app_name = "assessment"
urlpatterns = [
    path("", views.report_page, name="report"),
    path("export.<slug:fmt>", views.report_export, name="export"),
    path("cases/", views.drill_page, name="cases"),
    path("published/", views.published_list, name="published"),
    path("published/<int:pk>/", views.published_detail, name="published-detail"),
    path("published/<int:pk>/export.<slug:fmt>", views.published_export, name="published-export"),
    path("stars/", views.stars_page, name="stars"),
    path("stars/award/", views.star_award_post, name="star-award"),
]
