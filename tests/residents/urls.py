"""The project's URLs plus the register pages, whether or not gridgov/urls.py includes them yet."""

from django.urls import include, path

from gridgov.urls import urlpatterns as project

already = any(getattr(p, "namespace", None) == "residents" for p in project)
urlpatterns = project if already else [path("residents/", include("residents.urls")), *project]
