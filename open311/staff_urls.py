"""The centre's alert page: mount at /alerts/ (``path("alerts/", include("open311.staff_urls"))``)."""

from django.urls import path

from . import citizen_pages

app_name = "alerts-staff"
urlpatterns = [path("", citizen_pages.subscription_counts, name="counts")]
