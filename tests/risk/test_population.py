import datetime as dt
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from residents.models import Dwelling
from risk import population
from tests.residents.scope_makers import _person, _tagged

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 20)


def test_it_counts_the_register_by_unit_one_level_down_by_hand(tree):
    _tagged(tree, 0)  # a person of 66 (born 1960) in grid 0, in a group of priority service
    _person(tree, 0)
    _person(tree, 1)
    _person(tree, 5)  # another street: not in community 0
    Dwelling.objects.filter(area=tree.grids[1]).update(use=Dwelling.Use.RENTED)
    stats = population.statistics(tree.users["community"], tree.communities[0], today=TODAY)
    keys = [k for k, _label in population.COLUMNS]
    rows = {r["code"]: dict(zip(keys, r["values"], strict=True)) for r in stats["rows"]}
    assert list(rows) == [tree.grids[0].code, tree.grids[1].code]
    g0, g1 = rows[tree.grids[0].code], rows[tree.grids[1].code]
    assert (g0["households"], g0["persons"], g0["age_60"], g0["age_18"], g0["priority"]) == (2, 2, 2, 0, 1)
    assert g0["special"] is None  # special management only for readers allowed to see sensitive tags
    assert (g1["households"], g1["persons"], g1["rented"], g1["vacant"]) == (1, 1, 1, 0)
    assert stats["total"][keys.index("persons")] == 3


def test_it_serves_the_page_and_the_xlsx_within_reach(tree):
    _person(tree, 0)
    _person(tree, 5)
    client = Client()
    client.force_login(tree.users["community"])
    page = client.get("/risk/population/", {"area": tree.district.code}).content.decode()
    assert tree.grids[0].name in page and tree.grids[5].name not in page  # out of reach: back to its own
    book = load_workbook(io.BytesIO(client.get("/risk/population.xlsx").content))
    cells = [c for row in book.active.iter_rows(values_only=True) for c in row]
    assert tree.grids[0].name in cells and tree.grids[5].name not in cells
    stranger = Client()
    stranger.force_login(tree.users["stranger"])
    assert stranger.get("/risk/population/").status_code == 404
