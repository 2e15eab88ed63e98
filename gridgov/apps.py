from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridgovConfig(AppConfig):
    name = "gridgov"
    verbose_name = _("GridGov")
