"""The centre's integration pages: mount at /intake/ (``path("intake/", include("intake.staff_urls"))``)."""

from django.urls import path

from . import staff_views

app_name = "intake-staff"
urlpatterns = [
    path("", staff_views.integrations_page, name="integrations"),
    path("deliveries/", staff_views.deliveries_page, name="deliveries"),
    path("deliveries/<int:pk>/retry/", staff_views.delivery_retry_view, name="retry"),
]
