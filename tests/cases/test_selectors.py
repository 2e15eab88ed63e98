"""The case scope: own reports followed beyond one's areas, without costing everyone's list its index."""

import pytest

from cases import selectors
from cases.models import Case
from cases.selectors import cases_visible_to
from grids.models import Membership

from .conftest import report

pytestmark = pytest.mark.django_db


def test_it_keeps_a_staff_scope_to_its_indexed_column_when_every_own_report_lies_inside(tree, rubbish):
    report(tree, rubbish, actor=tree.users["community"])  # grid 0 is in the staff's community
    where = str(cases_visible_to(tree.users["community"]).query).split(" WHERE ", 1)[1]
    assert "community_code" in where and "reporter_id" not in where and " OR " not in where


def test_a_reporter_still_follows_a_report_that_left_their_areas(tree, rubbish):
    case = report(tree, rubbish, actor=tree.users["worker"])
    Membership.objects.filter(user=tree.users["worker"]).update(area=tree.grids[5])  # moved to another grid
    worker = type(tree.users["worker"]).objects.get(pk=tree.users["worker"].pk)
    assert case in cases_visible_to(worker)
    assert not cases_visible_to(worker).exclude(pk=case.pk).filter(area=tree.grids[0]).exists()


def test_a_reporter_follows_the_original_their_duplicate_was_merged_into(tree, rubbish):
    original = report(tree, rubbish, actor=tree.users["worker2"], grid=1)
    duplicate = report(tree, rubbish, actor=tree.users["worker"])
    Case.objects.filter(pk=duplicate.pk).update(duplicate_of=original)
    assert original in cases_visible_to(tree.users["worker"])
    assert original not in cases_visible_to(tree.users["stranger"])


def test_many_reports_beyond_their_areas_are_matched_by_the_reporter_instead(tree, rubbish, monkeypatch):
    monkeypatch.setattr(selectors, "FOLLOWED_LISTED", 1)
    reports = [report(tree, rubbish, actor=tree.users["worker"], title=f"第{k}处") for k in range(3)]
    stranger_report = report(tree, rubbish, actor=tree.users["worker2"], grid=1)
    Membership.objects.filter(user=tree.users["worker"]).delete()  # no areas left: only the reports
    worker = type(tree.users["worker"]).objects.get(pk=tree.users["worker"].pk)
    visible = cases_visible_to(worker)
    assert "reporter_id" in str(visible.query).split(" WHERE ", 1)[1]
    assert set(visible) == set(reports) and stranger_report not in visible
