from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from notices import services
from notices.models import Audience, NoticeReceipt


def publish(tree, **kw):
    args = dict(
        sender=tree.users["community"],
        audience=Audience.GRID_WORKERS,
        area=tree.communities[0],
        title="防汛通知",
        body="今晚有暴雨，请巡查低洼地段。",
    )
    args.update(kw)
    return services.notice_publish(**args)


def test_it_publishes_from_the_senders_unit(tree):
    notice = publish(tree)
    assert notice.sending_unit == tree.communities[0]
    assert notice.area_code == tree.communities[0].code


def test_it_picks_the_unit_that_covers_the_area(tree):
    notice = publish(tree, sender=tree.users["centre"], area=tree.grids[5])
    assert notice.sending_unit == tree.district


def test_it_refuses_an_area_outside_the_senders_reach(tree):
    with pytest.raises(ValidationError) as caught:
        publish(tree, area=tree.communities[1])
    assert "area" in caught.value.message_dict


def test_it_refuses_a_grid_worker_as_sender(tree):
    with pytest.raises(ValidationError) as caught:
        publish(tree, sender=tree.users["worker"], area=tree.grids[0])
    assert "area" in caught.value.message_dict


def test_it_requires_title_and_body_and_a_later_expiry(tree):
    now = timezone.now()
    with pytest.raises(ValidationError) as caught:
        publish(tree, title=" ", body="", published_at=now, expires_at=now - timedelta(hours=1))
    assert set(caught.value.message_dict) == {"title", "body", "expires_at"}


def test_it_withdraws_only_for_the_sending_unit(tree):
    notice = publish(tree)
    with pytest.raises(ValidationError):
        services.notice_withdraw(notice_id=notice.pk, actor=tree.users["worker"])
    services.notice_withdraw(notice_id=notice.pk, actor=tree.users["street"])
    notice.refresh_from_db()
    assert notice.withdrawn and notice.withdrawn_at


def test_it_reads_idempotently(tree):
    notice = publish(tree)
    first = services.notice_read(notice=notice, user=tree.users["worker"])
    again = services.notice_read(notice=notice, user=tree.users["worker"])
    assert first.pk == again.pk and first.read_at == again.read_at
    assert NoticeReceipt.objects.count() == 1


def test_it_puts_a_notice_to_staff_in_their_inbox_through_the_notification_outbox(tree):
    from dispatch.models import Notification

    notice = services.notice_publish(
        sender=tree.users["centre"],
        audience="staff",
        area=tree.streets[0],
        title="年末检查",
        body="请各单位自查。",
    )
    rows = Notification.objects.filter(key=f"notice:{notice.pk}", kind="notice")
    assert set(rows.values_list("recipient__username", flat=True)) == {"community", "street"}
    services.notice_read(notice=notice, user=tree.users["community"])
    assert rows.get(recipient=tree.users["community"]).read_at is not None
    assert rows.get(recipient=tree.users["street"]).read_at is None


def test_a_public_notice_goes_to_no_inbox(tree):
    from dispatch.models import Notification

    services.notice_publish(
        sender=tree.users["centre"], audience="public", area=tree.district, title="停水", body="周六停水。"
    )
    assert not Notification.objects.exists()
