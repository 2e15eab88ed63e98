from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from gridgov.partitions import monthly_register

        from . import (
            limits,  # noqa: F401  (clears the limits cache when the admin edits one)
            selectors,  # noqa: F401  (registers access scopes)
        )
        from .models import CaseEvent

        # The audit trail's monthly partitions on PostgreSQL (migration 0022), made ahead by the sweep's
        # "partitions" step: a case's event number is unique within a month by each partition's index,
        # across months by the one writer's row lock (cases.events), and checked by verify_audit.
        monthly_register(
            CaseEvent._meta.db_table,
            each=("CREATE UNIQUE INDEX {partition}_seq ON {partition} (case_id, seq)",),
        )
