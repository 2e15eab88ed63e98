import pytest
from django.db.models import F

from cases.models import Case, Category
from cases.services import case_report


@pytest.fixture
def rubbish(catalogue):
    return Category.objects.get(code="01001")


def open_case(
    tree,
    category,
    *,
    grid=0,
    actor="centre",
    alert="",
    supervised=False,
    due=None,
    dx=0.0,
    dy=0.0,
    title="东门垃圾堆放",
):
    """A reported case in grid ``grid`` (offset dx/dy degrees from its centre), with the board's flags set."""
    area = tree.grids[grid]
    case = case_report(
        actor=tree.users[actor],
        category=category,
        title=title,
        lat=area.centroid_lat + dy,
        lon=area.centroid_lon + dx,
    ).case
    Case.objects.filter(pk=case.pk).update(
        alert=alert, is_supervised=supervised, stage_due_at=due if due is not None else F("stage_due_at")
    )
    case.refresh_from_db()
    return case
