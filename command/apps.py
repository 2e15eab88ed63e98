from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommandConfig(AppConfig):
    name = "command"
    verbose_name = _("Command map and patrols")

    def ready(self):
        from . import selectors  # noqa: F401  (registers the access scopes)
