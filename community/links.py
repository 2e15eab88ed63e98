"""The other side of the community's links, on the pages of the apps below it (which import nothing of
the community): a case's page shows the council decision it carries out and the meetings that discussed
it (``cases.extensions.page_context``); a task's page shows the same, the volunteer activities created
from it, and lets the community desk create one (``tasks.extensions.panel``)."""

from cases import extensions as case_extensions
from grids.models import CODE_LENGTH, Area, Level
from tasks import extensions as task_extensions

from . import selectors
from .forms import ActivityForm
from .models import Activity, AgendaItem, FollowUp

COMMUNITY_LEN = CODE_LENGTH[Level.COMMUNITY]


def _council_rows(**link) -> dict:
    actions = list(
        FollowUp.objects.filter(**link).select_related("decision__meeting__council").order_by("id")[:10]
    )
    agenda = list(AgendaItem.objects.filter(**link).select_related("meeting__council").order_by("-id")[:10])
    return {"actions": actions, "agenda": agenda}


@case_extensions.page_context
def case_council(case, user) -> dict:
    rows = _council_rows(case=case)
    return {"council_links": rows} if rows["actions"] or rows["agenda"] else {}


def desk_communities(user, task) -> list[Area]:
    """The communities of the task's grids whose desk the user runs (where they may create an activity)."""
    codes = sorted({code[:COMMUNITY_LEN] for code in task.assignments.values_list("area_code", flat=True)})
    areas = Area.objects.filter(code__in=codes, level=Level.COMMUNITY, is_active=True).order_by("code")
    return [a for a in areas[:50] if selectors.can_run_desk(user, a)]


@task_extensions.panel
def task_community(task, user) -> list[dict]:
    rows = _council_rows(task=task)
    activities = list(Activity.objects.filter(task=task).select_related("community").order_by("starts_at"))
    communities = desk_communities(user, task)
    if not (rows["actions"] or rows["agenda"] or activities or communities):
        return []
    return [
        {
            "template": "community/_task_panel.html",
            **rows,
            "activities": activities,
            "communities": communities,
            "form": ActivityForm(initial={"title": task.title[:100]}) if communities else None,
        }
    ]
