from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = _("Command centre")

    def ready(self):
        from cases.workflow import condition_register

        from . import (
            receivers,  # noqa: F401  (listens to cases.signals.case_changed; loads routing's suggestions)
            selectors,  # noqa: F401  (registers access scopes and a department's reach into cases)
            services,
            views,  # noqa: F401  (adds the whistle forms to the case page)
        )

        # Co-handling holds the lead department's feedback back until every assistant answered.
        condition_register("feedback", services.assistants_settled)
