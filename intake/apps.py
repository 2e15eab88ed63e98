from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = _("Intake: integrations, hotline, sensors, citizens")

    def ready(self):
        from . import receivers, schema  # noqa: F401 — case_changed listeners; the API key's OpenAPI scheme
