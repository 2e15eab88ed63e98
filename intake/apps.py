from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = _("Intake: integrations, hotline, sensors, citizens")

    def ready(self):
        from dispatch.sweep import step_register

        from . import receivers, schema, sms  # noqa: F401 — case_changed listeners; the API key's OpenAPI scheme

        step_register("sms_requeue", sms.sms_requeue)
