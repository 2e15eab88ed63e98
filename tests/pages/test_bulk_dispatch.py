"""Bulk dispatch from the "to dispatch" queue: cases of one category, each through ``case_dispatch`` with its
own version check, one line per case that failed."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from cases.models import Case, Category
from cases.services import case_file

from .conftest import login, report

pytestmark = pytest.mark.django_db

URL = reverse("cases:bulk-dispatch")


def filed(tree, category, **kwargs):
    case = report(tree, category, **kwargs)
    case_file(case_id=case.pk, actor=tree.users["community"])
    case.refresh_from_db()
    return case


def pick(*cases, stale=()):
    return [f"{c.pk}:{c.version - 1 if c in stale else c.version}" for c in cases]


def said(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_bulk_bar_shows_on_the_dispatch_queue_once_one_category_is_chosen(client, tree, rubbish):
    filed(tree, rubbish)
    login(client, tree, "community")
    whole_class = client.get(reverse("cases:list"), {"queue": "to_dispatch", "category": "01"})
    assert (
        whole_class.context["bulk"] == {"needs_category": True}
        and 'id="bulk-form"' not in whole_class.content.decode()
    )
    page = client.get(reverse("cases:list"), {"queue": "to_dispatch", "category": "01001"})
    html = page.content.decode()
    assert (
        page.context["bulk"]["category"] == rubbish
        and 'id="bulk-form"' in html
        and 'form="bulk-form"' in html
    )
    assert (
        client.get(reverse("cases:list"), {"queue": "to_file", "category": "01001"}).context["bulk"] is None
    )


def test_it_dispatches_each_ticked_case_and_names_the_ones_that_failed(client, tree, rubbish):
    a, b, c = (
        filed(tree, rubbish, title="甲"),
        filed(tree, rubbish, title="乙"),
        filed(tree, rubbish, title="丙"),
    )
    back = "/cases/?queue=to_dispatch&category=01001"
    response = login(client, tree, "community").post(
        URL, {"case": pick(a, b, c, stale=[b]), "department": "CG", "comment": "批量", "next": back}
    )
    assert response.status_code == 302 and response["Location"] == back
    statuses = dict(Case.objects.values_list("pk", "status"))
    assert statuses == {a.pk: "dispatched", b.pk: "filed", c.pk: "dispatched"}
    messages = said(response)
    assert any(a.number in m and c.number in m and b.number not in m for m in messages[:1])
    assert any(b.number in m and "changed by someone else" in m for m in messages[1:])
    assert Case.objects.get(pk=a.pk).events.order_by("seq").last().comment == "批量"


def test_it_refuses_cases_of_several_categories_and_changes_nothing(client, tree, rubbish):
    other = Category.objects.filter(parent__isnull=False, is_active=True).exclude(pk=rubbish.pk).first()
    a, b = filed(tree, rubbish), filed(tree, other)
    response = login(client, tree, "community").post(URL, {"case": pick(a, b), "department": "CG"})
    assert any("one category" in m for m in said(response))
    assert set(Case.objects.values_list("status", flat=True)) == {"filed"}


def test_it_needs_a_department_and_a_ticked_case(client, tree, rubbish):
    a = filed(tree, rubbish)
    login(client, tree, "community")
    assert any("department" in m for m in said(client.post(URL, {"case": pick(a)})))
    assert any("Choose the cases" in m for m in said(client.post(URL, {"department": "CG"})))
    assert Case.objects.get(pk=a.pk).status == "filed"


def test_cases_out_of_scope_fail_alone_and_stay_untouched(client, tree, rubbish):
    mine = filed(tree, rubbish)
    theirs = report(tree, rubbish, actor=tree.users["centre"], grid=4)  # another street's grid
    case_file(case_id=theirs.pk, actor=tree.users["centre"])
    theirs.refresh_from_db()
    response = login(client, tree, "community").post(URL, {"case": pick(mine, theirs), "department": "CG"})
    assert (
        Case.objects.get(pk=mine.pk).status == "dispatched"
        and Case.objects.get(pk=theirs.pk).status == "filed"
    )
    assert any(f"#{theirs.pk}" in m for m in said(response)) and not any(
        theirs.number in m for m in said(response)
    )


def test_it_goes_back_only_to_a_page_of_this_site(client, tree, rubbish):
    a = filed(tree, rubbish)
    response = login(client, tree, "community").post(
        URL, {"case": pick(a), "department": "CG", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/cases/?queue=to_dispatch"
