"""The project's URLs plus the centre's integration pages (the project mounts them at /intake/)."""

from django.urls import include, path

from gridgov.urls import urlpatterns as project

urlpatterns = [path("intake/", include("intake.staff_urls")), *project]
