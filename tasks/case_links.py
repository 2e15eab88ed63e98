"""The case side of the link between a finding and its case: the case page shows the task forms that raised
it (through ``cases.extensions.page_context``; cases imports nothing of tasks). The rows are the reverse of
``TaskResult.case`` (``case.task_results``)."""

from cases import extensions

from .models import TaskResult


@extensions.page_context
def task_findings(case, user) -> dict:
    rows = list(
        TaskResult.objects.filter(case=case).select_related("assignment__task", "target").order_by("id")[:10]
    )
    return {"task_findings": rows} if rows else {}
