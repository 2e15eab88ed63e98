from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class GridgovConfig(AppConfig):
    name = "gridgov"
    verbose_name = _("GridGov")

    def ready(self):
        from . import observability  # noqa: F401  (Celery's signals: the request id, task metrics)


class GridGovAdminConfig(admin_apps.AdminConfig):
    """The admin with the second-factor check of grids/security.py (Django's documented default_site)."""

    default = False  # gridgov.apps.GridgovConfig stays this module's app
    default_site = "grids.security.GridGovAdminSite"
