"""The inbox page (dispatch.inbox) and the unread count in the navigation (dispatch.context_processors):
one's own notices only, mark one / all read, open the case, keyset pages, and a nav that costs one query
at any inbox size."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dispatch.models import Notification
from dispatch.selectors import UNREAD_SHOWN, unread_count_capped

from .conftest import report

pytestmark = pytest.mark.django_db


def notices(user, n, *, case=None, start=0, read=False):
    now = timezone.now()
    return Notification.objects.bulk_create(
        [
            Notification(
                recipient=user,
                case=case,
                kind="dispatch",
                title=f"通知 {start + i}",
                body="东门垃圾",
                key=f"test:{start + i}",
                created_at=now - timedelta(minutes=start + i),
                read_at=now if read else None,
            )
            for i in range(n)
        ]
    )


@pytest.fixture
def case(tree, rubbish):
    return report(tree, rubbish)


def test_the_inbox_shows_ones_own_notices_newest_first(client, tree, case):
    mine = notices(tree.users["worker"], 3, case=case)
    notices(tree.users["leader"], 2, start=10)
    client.force_login(tree.users["worker"])
    page = client.get(reverse("inbox:list"))
    assert page.status_code == 200
    assert [n.pk for n in page.context["notifications"]] == [n.pk for n in mine]
    html = page.content.decode()
    assert case.number in html and "通知 10" not in html
    assert 'class="unread-count"' in html and ">3</span>" in html


def test_open_marks_read_and_goes_to_the_case(client, tree, case):
    first, second = notices(tree.users["worker"], 2, case=case)
    client.force_login(tree.users["worker"])
    response = client.post(reverse("inbox:read", args=[first.pk]), {"open": "1"})
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.pk])
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None


def test_mark_one_then_all_read(client, tree):
    first, *_rest = notices(tree.users["worker"], 3)
    client.force_login(tree.users["worker"])
    assert (
        client.post(reverse("inbox:read", args=[first.pk]), {"unread": "1"})["Location"] == "/inbox/?unread=1"
    )
    assert unread_count_capped(tree.users["worker"]) == 2
    unread = client.get(reverse("inbox:list"), {"unread": "1"})
    assert first.pk not in [n.pk for n in unread.context["notifications"]]
    client.post(reverse("inbox:read-all"))
    assert unread_count_capped(tree.users["worker"]) == 0
    page = client.get(reverse("inbox:list"), {"unread": "1"}).content.decode()
    assert 'class="unread-count"' not in page and 'id="read-all"' not in page


def test_anothers_notice_is_404_and_stays_unread(client, tree):
    (theirs,) = notices(tree.users["leader"], 1)
    client.force_login(tree.users["worker"])
    assert client.post(reverse("inbox:read", args=[theirs.pk])).status_code == 404
    client.post(reverse("inbox:read-all"))
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_inbox_needs_a_login_and_a_post_to_write(client, tree):
    assert client.get(reverse("inbox:list")).status_code == 302
    client.force_login(tree.users["worker"])
    assert client.get(reverse("inbox:read-all")).status_code == 405


def test_pages_follow_on_by_keyset(client, tree):
    made = notices(tree.users["worker"], 35)
    client.force_login(tree.users["worker"])
    first = client.get(reverse("inbox:list"))
    assert len(first.context["notifications"]) == 30 and first.context["next_after"] == made[29].pk
    second = client.get(reverse("inbox:list"), {"after": made[29].pk})
    assert [n.pk for n in second.context["notifications"]] == [n.pk for n in made[30:]]
    assert second.context["next_after"] is None


def test_the_nav_count_stops_at_99_plus(client, tree):
    notices(tree.users["worker"], UNREAD_SHOWN + 5)
    assert unread_count_capped(tree.users["worker"]) == UNREAD_SHOWN + 1
    client.force_login(tree.users["worker"])
    assert ">99+</span>" in client.get(reverse("cases:list")).content.decode()


def test_the_nav_and_the_inbox_cost_the_same_at_any_size(client, tree, case):
    client.force_login(tree.users["worker"])
    notices(tree.users["worker"], 3, case=case)
    client.get(reverse("inbox:list")), client.get(reverse("cases:list"))  # warm the in-memory caches
    with CaptureQueriesContext(connection) as few_inbox:
        client.get(reverse("inbox:list"))
    with CaptureQueriesContext(connection) as few_cases:
        client.get(reverse("cases:list"))
    notices(tree.users["worker"], 60, case=case, start=100)
    notices(tree.users["worker"], 40, start=200, read=True)
    with CaptureQueriesContext(connection) as many_inbox:
        client.get(reverse("inbox:list"))
    with CaptureQueriesContext(connection) as many_cases:
        client.get(reverse("cases:list"))
    assert len(many_inbox) == len(few_inbox)
    assert len(many_cases) == len(few_cases)
    nav = [q["sql"] for q in many_cases.captured_queries if "dispatch_notification" in q["sql"]]
    assert len(nav) == 1  # the nav's one count


def test_a_page_without_the_nav_count_asks_nothing(client, tree):
    notices(tree.users["worker"], 2)
    client.force_login(tree.users["worker"])
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/cases/")
    assert not [q for q in queries.captured_queries if "dispatch_notification" in q["sql"]]
