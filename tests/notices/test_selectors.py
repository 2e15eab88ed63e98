from datetime import timedelta

from django.utils import timezone

from notices import selectors, services
from notices.models import Audience, Notice


def publish(tree, **kw):
    args = dict(
        sender=tree.users["centre"],
        audience=Audience.GRID_WORKERS,
        area=tree.communities[0],
        title="通知",
        body="内容",
    )
    args.update(kw)
    return services.notice_publish(**args)


def test_it_addresses_notices_by_role_and_area(tree):
    to_workers = publish(tree)
    to_staff = publish(tree, audience=Audience.STAFF, area=tree.streets[0])
    elsewhere = publish(tree, area=tree.communities[2])
    worker = set(selectors.notices_for(tree.users["worker"]))
    assert worker == {to_workers}
    assert set(selectors.notices_for(tree.users["community"])) == {to_staff}
    assert elsewhere not in worker
    assert set(selectors.notices_for(tree.users["stranger"])) == set()


def test_it_keeps_a_notice_unread_until_read(tree):
    notice = publish(tree)
    assert list(selectors.unread_for(tree.users["worker"])) == [notice]
    services.notice_read(notice=notice, user=tree.users["worker"])
    assert list(selectors.unread_for(tree.users["worker"])) == []
    assert list(selectors.unread_for(tree.users["worker2"])) == [notice]


def test_it_hides_withdrawn_expired_and_future_notices(tree):
    now = timezone.now()
    withdrawn = publish(tree)
    services.notice_withdraw(notice_id=withdrawn.pk, actor=tree.users["centre"])
    publish(tree, published_at=now - timedelta(days=2), expires_at=now - timedelta(days=1))
    publish(tree, published_at=now + timedelta(days=1))
    assert list(selectors.notices_for(tree.users["worker"])) == []


def test_it_lists_public_notices_of_an_area_and_above(tree):
    district_wide = publish(tree, audience=Audience.PUBLIC, area=tree.district)
    mine = publish(tree, audience=Audience.PUBLIC, area=tree.grids[0])
    publish(tree, audience=Audience.PUBLIC, area=tree.grids[1])
    publish(tree)  # not public
    assert set(selectors.public_notices(tree.grids[0])) == {district_wide, mine}


def test_it_summarises_receipts_in_one_query(tree, django_assert_num_queries):
    notice = publish(tree)
    services.notice_read(notice=notice, user=tree.users["worker"])
    with django_assert_num_queries(1):
        summary = selectors.receipt_summary(notice)
    assert summary["total"] == 3  # worker, worker2, leader of community 0's grids
    assert summary["read"] == 1 and [p.username for p in summary["readers"]] == ["worker"]
    assert {p.username for p in summary["not_read"]} == {"worker2", "leader"}


def test_the_scope_shows_senders_overseers_and_recipients(tree):
    notice = publish(tree, area=tree.grids[1])
    for name in ("centre", "street", "community", "worker2"):
        assert notice in selectors.notice_scope(tree.users[name], Notice.objects.all())
    for name in ("worker", "community_b", "stranger"):
        assert notice not in selectors.notice_scope(tree.users[name], Notice.objects.all())
