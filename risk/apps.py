from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskConfig(AppConfig):
    name = "risk"
    verbose_name = _("Risk and early warning")

    def ready(self):
        from dispatch.sweep import step_register
        from dispatch.targets import target_register

        from . import components, inbox_links, screen_sweep, selectors, sweep  # noqa: F401  (the components and the scopes register)

        # A warning's notice in the inbox links to the warning's page; the centre's summary to the queue.
        target_register("risk_warning", inbox_links.warning_targets)
        target_register("risk_warnings", inbox_links.warnings_targets)

        # The daily recomputation runs inside the one deadline sweep (no scheduler of its own).
        step_register("risk_daily", sweep.risk_daily)
        # The big screen's finished days, once a day from midnight (risk/screen_sweep.py).
        step_register("screen_daily", screen_sweep.screen_daily)
        # Warnings past their deadline climb one unit (docs/domain.md §17.2), in the same sweep.
        step_register("risk_warnings_overdue", sweep.warnings_overdue)
