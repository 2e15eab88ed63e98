from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "assessment"
    verbose_name = _("Assessment")

    def ready(self):
        from . import (
            receivers,  # noqa: F401  (keeps evaluation records current)
            selectors,  # noqa: F401  (registers access scopes)
        )
