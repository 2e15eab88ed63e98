import pytest

from grids.models import Level
from tests.factories import make_area

pytestmark = pytest.mark.django_db


def test_it_names_a_micro_grid_with_its_grid(tree):
    grid = tree.grids[0]
    micro = make_area(grid.code + "004", "4栋", Level.MICROGRID, grid)
    assert micro.place_name == f"{grid.name} · 4栋"  # "第1网格 · 4栋", not the micro-grid alone
    assert grid.place_name == grid.name
