from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community governance: the 1+X team, volunteers and points")

    def ready(self):
        from . import links, selectors  # noqa: F401  (the scopes; the links on cases' and tasks' pages)
