from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutyConfig(AppConfig):
    name = "duty"
    verbose_name = _("Duty rosters")

    def ready(self):
        from . import selectors  # noqa: F401  (registers the scopes)
