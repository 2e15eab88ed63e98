from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    name = "open311"
    verbose_name = _("Open311 GeoReport v2")

    def ready(self):
        from datetime import timedelta

        from dispatch.sweep import step_register
        from gridgov.refuse_nul import refusal_register

        from . import alerts, receivers, services  # noqa: F401 (receivers: connects the listener)
        from .render import refuse_nul

        step_register("retention_rejected_media", services.rejected_media_purge, every=timedelta(hours=1))
        step_register("alert_digests", alerts.digests_send, every=timedelta(days=1))
        step_register("alerts_requeue", alerts.alerts_requeue)

        # NUL in a GeoReport request is refused in GeoReport's own error format, in the format asked for.
        refusal_register("/open311/", refuse_nul)
