"""Assignments after a split or merge (``grids.rehome_hooks``, called by ``command.rehoming``).

An open assignment of a merged grid follows the merged grid (its targets and results come with it, being
its rows). Two open assignments of one task in the merged grids cannot both follow (one assignment per task
and grid): the first (lowest grid code) follows, the others are listed for a person to place. A split grid's
assignment is listed too: nothing says which part takes a task half done.
"""

from django.db.models import F
from django.utils.translation import gettext_lazy as _

from grids.models import Level
from grids.rehome_hooks import Report, mover

from .models import Assignment, Task

KIND = "assignment"
LABEL = _("Task assignments")


@mover
def assignments_follow(adjustment, *, apply: bool) -> Report:
    report = Report()
    retired = {a.pk: a for a in adjustment.retired if a.level == Level.GRID}
    new_grids = [a for a in adjustment.created if a.level == Level.GRID]
    if not retired or not new_grids:
        return report
    rows = (
        Assignment.objects.filter(area_id__in=retired, task__status=Task.Status.OPEN)
        .exclude(status=Assignment.Status.ACCEPTED)
        .order_by("area_code", "pk")
        .values_list("pk", "task_id", "area_id", "task__title")
    )
    following, tasks = [], set()
    for pk, task_id, area_id, title in rows:
        if len(new_grids) == 1 and task_id not in tasks:
            tasks.add(task_id)
            following.append(pk)
        else:
            report.unplaced.append((KIND, LABEL, title, retired[area_id].name))
    if following:
        target = new_grids[0]
        report.placements.append((KIND, LABEL, target, len(following)))
        if apply:
            Assignment.objects.filter(pk__in=following).update(
                area_id=target.pk, area_code=target.code, version=F("version") + 1
            )
    return report
