from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = _("Notices")

    def ready(self):
        from dispatch.targets import target_register

        from . import inbox_links, selectors  # noqa: F401  (registers the scopes)

        target_register("notice", inbox_links.notice_targets)
