from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = _("Tasks pushed to grids")

    def ready(self):
        from celery.signals import task_postrun

        from cases.workflow import condition_register
        from dispatch.sweep import step_register

        from . import admission, case_links, rehoming, selectors, sweep  # noqa: F401  (scopes, hooks)

        # A case category dispatched to a grid team must be an admitted item (docs/domain.md §8).
        condition_register("dispatch", admission.grid_team_admits_category)
        # Reminders and escalation of assignments run inside the one deadline sweep.
        step_register("task_reminders", sweep.assignments_remind)
        task_postrun.connect(admission.refusals_flush_after_task, weak=False)
