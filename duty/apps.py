from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutyConfig(AppConfig):
    name = "duty"
    verbose_name = _("Duty rosters")

    def ready(self):
        from dispatch.sweep import step_register
        from dispatch.targets import target_register

        from . import inbox_links, notify, selectors  # noqa: F401  (registers the scopes)

        # A duty notice in the inbox links to its roster, shift, swap or handover (dispatch.targets).
        target_register(notify.KIND, inbox_links.duty_targets)

        # Reminders before a shift starts run inside the one deadline sweep (no scheduler of its own).
        step_register("duty_reminders", notify.shifts_remind)
