"""dispatch.targets: a case notice links to its case for a reader who may open it, and to nothing for one
who may not; a page of notices of every kind costs one query per kind."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dispatch.models import Notification
from dispatch.targets import key_ids, targets

from .conftest import report

pytestmark = pytest.mark.django_db


def _note(user, case=None, kind="dispatch", key="k"):
    return Notification.objects.create(
        recipient=user, case=case, kind=kind, title="t", key=key, created_at=timezone.now()
    )


def test_a_case_notice_links_to_the_case_its_reader_may_open(tree, rubbish):
    case = report(tree, rubbish)
    mine = _note(tree.users["worker"], case)
    assert targets(tree.users["worker"], [mine])[mine.pk].url == reverse("cases:detail", args=[case.pk])
    stray = _note(tree.users["community_b"], case)
    assert targets(tree.users["community_b"], [stray]) == {}


def test_a_notice_of_an_unknown_kind_or_a_garbled_key_has_no_link(tree):
    user = tree.users["worker"]
    rows = [_note(user, kind="whatever", key="a"), _note(user, kind="notice", key="notice:x")]
    assert targets(user, rows) == {}
    assert key_ids(rows, r"notice:(\d+)") == {}
    assert key_ids([_note(user, key="notice:" + "9" * 30)], r"notice:(\d+)") == {}


def test_a_page_of_notices_costs_one_query_per_kind(tree, rubbish):
    user = tree.users["worker"]
    case = report(tree, rubbish)
    rows = [_note(user, case, key=f"c{i}") for i in range(5)]
    rows += [_note(user, kind="notice", key=f"notice:{i}") for i in range(5)]
    with CaptureQueriesContext(connection) as q:
        targets(user, rows)
    assert len(q) <= 3  # cases, notices (and the reach, once)
