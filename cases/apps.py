from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from . import (
            limits,  # noqa: F401  (clears the limits cache when the admin edits one)
            selectors,  # noqa: F401  (registers access scopes)
        )
