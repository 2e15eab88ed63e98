from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    name = "risk"
    verbose_name = _("Risk and early warning")

    def ready(self):
        from dispatch.sweep import step_register

        from . import components, screen_sweep, selectors, sweep  # noqa: F401  (the components and the scopes register)

        # The daily recomputation runs inside the one deadline sweep (no scheduler of its own).
        step_register("risk_daily", sweep.risk_daily)
        # The big screen's finished days, once a day from midnight (risk/screen_sweep.py).
        step_register("screen_daily", screen_sweep.screen_daily)
        # Warnings past their deadline climb one unit (docs/domain.md §17.2), in the same sweep.
        step_register("risk_warnings_overdue", sweep.warnings_overdue)
