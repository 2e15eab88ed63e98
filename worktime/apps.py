from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorktimeConfig(AppConfig):
    name = "worktime"
    verbose_name = _("Working time")

    def ready(self):
        # Django's documented place to connect receivers: after every app's models are loaded.
        from . import receivers  # noqa: F401
