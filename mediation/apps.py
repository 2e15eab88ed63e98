from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "mediation"
    verbose_name = _("Disputes and mediation")

    def ready(self):
        from dispatch.sweep import step_register

        from . import case_links, selectors, sweep  # noqa: F401  (scopes, the case page's hook)

        # Screening deadlines, high-risk escalation and follow-up reminders run inside the one sweep.
        step_register("screenings_warn", sweep.screenings_warn)
        step_register("disputes_escalate", sweep.disputes_escalate)
        step_register("follow_ups_remind", sweep.follow_ups_remind)
