"""The project's URLs, its error handlers, and two views that fail: a page and an API path."""

from django.urls import path

from gridgov.urls import handler400, handler403, handler404, handler500  # noqa: F401  (Django reads them here)
from gridgov.urls import urlpatterns as project


def boom(request):
    raise RuntimeError("a failure the error page must not show")


urlpatterns = [path("boom/", boom), path("api/v1/boom/", boom), *project]
