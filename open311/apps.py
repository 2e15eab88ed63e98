from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    name = "open311"
    verbose_name = _("Open311 GeoReport v2")

    def ready(self):
        from gridgov.refuse_nul import refusal_register

        from .render import refuse_nul

        # NUL in a GeoReport request is refused in GeoReport's own error format, in the format asked for.
        refusal_register("/open311/", refuse_nul)
