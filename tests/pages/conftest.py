import pytest

from cases.models import Category
from cases.services import case_report
from tests.factories import photo  # noqa: F401  (re-exported: tests import it from here)


@pytest.fixture
def rubbish(catalogue):
    """暴露垃圾: grid level, verification required, after-photo required."""
    return Category.objects.get(code="01001")


def report(tree, category, *, actor=None, grid=0, **kwargs):
    grid_area = tree.grids[grid]
    kwargs.setdefault("title", "东门垃圾堆放")
    kwargs.setdefault("lat", grid_area.centroid_lat)
    kwargs.setdefault("lon", grid_area.centroid_lon)
    return case_report(actor=actor or tree.users["worker"], category=category, **kwargs).case


def login(client, tree, name):
    client.force_login(tree.users[name])
    return client
