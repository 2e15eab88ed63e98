from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommandConfig(AppConfig):
    name = "command"
    verbose_name = _("Command map and patrols")

    def ready(self):
        from datetime import timedelta

        from dispatch.sweep import step_register
        from gridgov.partitions import monthly_register

        from . import (
            selectors,  # noqa: F401  (registers the access scopes)
            services,
        )

        # Patrol tracks past TRACK_RETENTION_DAYS, deleted by the sweep once an hour.
        step_register("retention_patrol_tracks", services.retention_tracks, every=timedelta(hours=1))
        # The track's monthly partitions on PostgreSQL, created months ahead by the sweep's "partitions" step.
        monthly_register(services.partitions.TABLE)
