from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = _("Command centre")

    def ready(self):
        from . import (
            receivers,  # noqa: F401  (listens to cases.signals.case_changed; loads routing's suggestions)
            selectors,  # noqa: F401  (registers access scopes and a department's reach into cases)
            views,  # noqa: F401  (adds the whistle forms to the case page)
        )
