from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = _("Command centre")

    def ready(self):
        from datetime import timedelta

        from cases.uploads import uploads_purge
        from cases.workflow import condition_register
        from gridgov.observability import gauge_register
        from gridgov.partitions import monthly_register, months_ensure_step
        from grids.retention import access_logs_purge

        from . import (
            metrics,
            receivers,  # noqa: F401  (listens to cases.signals.case_changed; loads routing's suggestions)
            selectors,  # noqa: F401  (registers access scopes and a department's reach into cases)
            services,
            views,  # noqa: F401  (adds the whistle forms to the case page)
        )
        from .models import Notification
        from .sweep import step_register

        # Co-handling holds the lead department's feedback back until every assistant answered.
        condition_register("feedback", services.assistants_settled)

        # Photo uploads (issue 23) used or abandoned a day ago: cases cannot reach the sweep, it sits below.
        step_register("retention_photo_uploads", uploads_purge, every=timedelta(hours=1))

        # What the sweep and the outbox still have to do, for Prometheus (gridgov.observability).
        gauge_register(
            "gridgov_sweep_backlog", "Cases past a deadline the sweep has not handled", metrics.sweep_backlog
        )
        gauge_register(
            "gridgov_outbox_backlog", "Notification deliveries pending and due", metrics.outbox_backlog
        )
        # Login access logs past their period (grids/retention.py, docs/domain.md §12), hourly: the step is
        # registered here because grids sits below the sweep.
        step_register("retention_access_logs", access_logs_purge, every=timedelta(hours=1))
        # The inbox's monthly partitions (migration 0008): a notice's key is unique for its recipient within a
        # month by each partition's index, across months by notify()'s read before it writes.
        monthly_register(
            Notification._meta.db_table,
            each=("CREATE UNIQUE INDEX {partition}_once ON {partition} (recipient_id, key)",),
        )
        # Every registered table's months created ahead (gridgov.partitions), hourly, one catalogue question.
        step_register("partitions", months_ensure_step, every=timedelta(hours=1))
