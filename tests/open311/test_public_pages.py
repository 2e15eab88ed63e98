"""The citizens' public reports pages: what Open311 publishes, filtered, paged forward, never a name or a
phone, and a report's public timeline."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases import services as case_services
from cases.models import Category, Source
from open311 import public_pages
from tests.pages.conftest import report

from .conftest import photo

pytestmark = pytest.mark.django_db
URL = "/public/reports/"


def citizen(tree, grid=0, code="01001", **more):
    return report(
        tree,
        Category.objects.get(code=code),
        grid=grid,
        source=Source.CITIZEN,
        reporter_name="王女士",
        reporter_phone="13800001234",
        description="东门外垃圾堆放",
        **more,
    )


def _ids(response):
    return [r["service_request_id"] for r in response.context["rows"]]


def test_it_lists_published_reports_newest_first_without_names_or_phones(client, tree):
    older, newer = citizen(tree), citizen(tree, grid=1)
    report(tree, Category.objects.get(code="01001"))  # a patrol report: internal work
    response = client.get(URL)
    assert response.status_code == 200
    assert _ids(response) == [newer.public_id, older.public_id]
    html = response.content.decode()
    assert "王女士" not in html and "13800001234" not in html
    assert "state-open" in html and "东门外垃圾堆放" in html


def test_it_filters_by_area_category_and_state(client, tree):
    here, there = citizen(tree, grid=0), citizen(tree, grid=5)
    case_services.case_void(case_id=there.pk, actor=tree.users["centre"], reason="已由物业清理")
    assert _ids(client.get(URL, {"area": tree.grids[0].code[:12]})) == [here.public_id]
    assert _ids(client.get(URL, {"state": "closed"})) == [there.public_id]
    assert _ids(client.get(URL, {"state": "open"})) == [here.public_id]
    assert _ids(client.get(URL, {"category": "05003"})) == []
    # Unknown values are no filter at all, never an error.
    assert len(_ids(client.get(URL, {"area": "x", "state": "maybe", "before": "1e9"}))) == 2


def test_it_pages_forward_with_a_cursor_at_a_constant_cost(client, tree, monkeypatch):
    monkeypatch.setattr(public_pages, "PAGE_SIZE", 2)
    made = [citizen(tree, grid=n % 3) for n in range(5)]
    first = client.get(URL)
    assert _ids(first) == [c.public_id for c in made[:-3:-1]]
    cursor = first.context["next_cursor"]
    second = client.get(URL, {"before": cursor})
    assert _ids(second) == [c.public_id for c in made[2:0:-1]]
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"before": second.context["next_cursor"]})
    for _n in range(10):
        citizen(tree)
    with CaptureQueriesContext(connection) as many:
        client.get(URL, {"before": second.context["next_cursor"]})
    assert len(many) == len(few)


def test_a_report_page_shows_its_state_unit_and_public_timeline(client, tree):
    case = citizen(tree)
    u = tree.users
    case_services.case_file(case_id=case.pk, actor=u["community"])
    case_services.case_dispatch(case_id=case.pk, actor=u["community"], department=tree.departments[0])
    case_services.case_accept(case_id=case.pk, actor=u["handler"])
    case_services.case_feedback(case_id=case.pk, actor=u["handler"], result="垃圾已清运", photos=[photo()])
    response = client.get(f"{URL}{case.public_id}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert tree.departments[0].name in html
    assert [u["description"][:5] for u in response.context["updates"]][-1] == "Handled."[:5]
    assert "王女士" not in html and "13800001234" not in html


def test_an_internal_or_unknown_report_is_404(client, tree):
    internal = report(tree, Category.objects.get(code="01001"))
    for public_id in (internal.public_id, "nosuch"):
        assert client.get(f"{URL}{public_id}/").status_code == 404
