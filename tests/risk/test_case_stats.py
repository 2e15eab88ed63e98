"""Case statistics by category, source, hour, weekday and area, against hand-counted cases: Monday 2 March
2026 at 09:10 and 09:40 and Tuesday 3 March at 21:05 (Beijing time) in community 0, one more in another
street, one in February."""

import datetime as dt
import io
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import load_workbook

from cases.models import Category, Source
from risk import case_stats
from tests.factories import report

pytestmark = pytest.mark.django_db
SH = zoneinfo.ZoneInfo("Asia/Shanghai")
MARCH = dt.date(2026, 3, 1)


def _at(day, hh, mm, **kw):
    def make(tree, rubbish):
        with time_machine.travel(dt.datetime(2026, *day, hh, mm, tzinfo=SH), tick=False):
            return report(tree, rubbish, **kw)

    return make


@pytest.fixture
def cases(tree):
    rubbish = Category.objects.get(code="01001")
    made = [
        _at((3, 2), 9, 10)(tree, rubbish),
        _at((3, 2), 9, 40, grid=1, source=Source.CITIZEN)(tree, rubbish),
        _at((3, 3), 21, 5)(tree, rubbish),
        _at((3, 3), 10, 0, grid=5)(tree, rubbish),  # another street
        _at((2, 27), 10, 0)(tree, rubbish),  # February
    ]
    return made


def _table(stats, key):
    return next(t["rows"] for t in stats["tables"] if t["key"] == key)


def test_it_counts_a_months_cases_in_the_area_by_hand(tree, cases):
    with translation.override("zh-hans"):
        stats = case_stats.statistics(tree.communities[0], MARCH)
    assert stats["total"] == 3
    assert _table(stats, "category") == [("市容环境", 3, 100.0)]
    assert _table(stats, "source") == [("网格巡查", 2, 66.7), ("群众", 1, 33.3)]
    hours = {label: n for label, n, _share in _table(stats, "hour")}
    assert len(hours) == 24 and hours["09:00–09:59"] == 2 and hours["21:00–21:59"] == 1
    assert sum(hours.values()) == 3
    weekdays = [(label, n) for label, n, _share in _table(stats, "weekday")]
    assert weekdays[0] == ("星期一", 2) and weekdays[1] == ("星期二", 1) and len(weekdays) == 7
    assert {label for label, _n, _s in _table(stats, "area")} == {tree.grids[0].name, tree.grids[1].name}


def test_its_queries_do_not_grow_with_cases(tree, cases):
    with CaptureQueriesContext(connection) as few:
        case_stats.statistics(tree.district, MARCH)
    rubbish = Category.objects.get(code="01001")
    for n in range(6):
        _at((3, 4), 9, n)(tree, rubbish)
    with CaptureQueriesContext(connection) as many:
        case_stats.statistics(tree.district, MARCH)
    assert len(many) == len(few)


def test_the_page_stays_in_reach_and_refuses_a_bad_month_by_field(tree, cases):
    client = Client()
    client.force_login(tree.users["community"])
    page = client.get("/risk/cases/", {"area": tree.district.code, "month": "2026-03"})
    assert page.status_code == 200 and page.context["area"] == tree.communities[0]  # back to its own
    assert page.context["stats"]["total"] == 3
    bad = client.get("/risk/cases/", {"month": "2026-13"})
    assert bad.status_code == 400 and "id_month-errors" in bad.content.decode()
    assert client.get("/risk/cases.xlsx", {"month": "1999-01"}).status_code == 400
    book = load_workbook(io.BytesIO(client.get("/risk/cases.xlsx", {"month": "2026-03"}).content))
    assert len(book.sheetnames) == 5
    stranger = Client()
    stranger.force_login(tree.users["stranger"])
    assert stranger.get("/risk/cases/").status_code == 404
