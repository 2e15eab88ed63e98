from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldworkConfig(AppConfig):
    name = "fieldwork"
    verbose_name = _("Grid days and work logs")

    def ready(self):
        from dispatch.sweep import step_register

        from . import case_links, selectors, services  # noqa: F401  (scopes, the case page's hook)

        # Yesterday's work logs are drafted inside the one deadline sweep (no scheduler of its own).
        step_register("work_logs_draft", services.work_logs_sweep)
