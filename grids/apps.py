from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridsConfig(AppConfig):
    name = "grids"
    verbose_name = _("Areas and grids")

    def ready(self):
        from . import (  # noqa: F401  (register scopes, receivers and the access-log period's check)
            retention,
            scope,
            security,
            selectors,
            signals,
        )
