from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch.models import Notification
from notices import services
from notices.models import Notice


@pytest.fixture
def notice(tree):
    return services.notice_publish(
        sender=tree.users["community"],
        audience="grid_workers",
        area=tree.communities[0],
        title="防汛通知",
        body="请巡查低洼地段。",
    )


def test_it_shows_unread_notices_on_the_home_page_until_read(client, tree, notice):
    client.force_login(tree.users["worker"])
    assert "防汛通知" in client.get("/").content.decode()
    response = client.post(f"/notices/{notice.pk}/read/", {"next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "防汛通知" not in client.get("/").content.decode()
    client.force_login(tree.users["worker2"])
    assert "防汛通知" in client.get("/").content.decode()


def test_the_sender_sees_receipts(client, tree, notice):
    services.notice_read(notice=notice, user=tree.users["worker"])
    client.force_login(tree.users["community"])
    page = client.get(f"/notices/{notice.pk}/").content.decode()
    assert "data-receipts" in page and "worker2" in page
    assert f"/notices/{notice.pk}/read/" not in page  # the sender is not addressed: nothing to mark read


def test_a_stranger_gets_404(client, tree, notice):
    client.force_login(tree.users["stranger"])
    assert client.get(f"/notices/{notice.pk}/").status_code == 404
    assert client.post(f"/notices/{notice.pk}/read/").status_code == 404


def test_the_public_page_shows_only_public_current_notices(client, tree):
    now = timezone.now()
    centre = tree.users["centre"]
    common = dict(sender=centre, area=tree.grids[0], body="正文")
    services.notice_publish(audience="public", title="停水公告", **common)
    services.notice_publish(audience="grid_workers", title="内部通知", **common)
    services.notice_publish(
        audience="public",
        title="过期公告",
        published_at=now - timedelta(days=3),
        expires_at=now - timedelta(days=1),
        **common,
    )
    withdrawn = services.notice_publish(audience="public", title="撤回公告", **common)
    services.notice_withdraw(notice_id=withdrawn.pk, actor=centre)
    page = client.get("/public/notices/", {"area": tree.grids[0].code}).content.decode()
    assert "停水公告" in page
    assert not any(t in page for t in ("内部通知", "过期公告", "撤回公告"))
    assert client.get("/public/notices/", {"area": "x\u00e9<>"}).status_code == 200


def test_bad_input_shows_chinese_errors_and_saves_nothing(client, tree, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(tree.users["community"])
    response = client.post(
        "/notices/", {"audience": "staff", "area": tree.communities[2].code, "title": "", "body": ""}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "该字段是必填项。" in page
    assert Notice.objects.count() == 0
    response = client.post(
        "/notices/",
        {"audience": "staff", "area": tree.communities[2].code, "title": "会议", "body": "周一"},
    )
    assert "只能向本单位辖区内发布通知" in response.content.decode()
    assert Notice.objects.count() == 0


def test_staff_publish_from_the_page(client, tree):
    client.force_login(tree.users["community"])
    response = client.post(
        "/notices/",
        {"audience": "staff", "area": tree.communities[0].code, "title": "会议", "body": "周一开会"},
    )
    assert response.status_code == 302
    assert Notice.objects.get().sending_unit == tree.communities[0]


def test_it_lists_the_notice_in_the_inbox_and_opens_it_from_there(client, tree, notice):
    client.force_login(tree.users["worker"])
    page = client.get("/inbox/").content.decode()
    assert "防汛通知" in page
    row = Notification.objects.get(recipient=tree.users["worker"], kind="notice")
    response = client.post(f"/inbox/{row.pk}/read/", {"open": "1"})
    assert response.status_code == 302 and response["Location"] == f"/notices/{notice.pk}/"
    row.refresh_from_db()
    assert row.read_at is not None
