"""The page where the community desk records a council meeting held (desktop and phone): the service's
refusals in Chinese next to the fields, with a 400 and nothing saved; owner, member and stranger."""

from datetime import timedelta

import pytest
from django.utils import timezone

from community import services
from community.models import AgendaItem, Meeting

from .test_councils import FOUR

pytestmark = pytest.mark.django_db


@pytest.fixture
def council(tree):
    return services.council_create(
        actor=tree.users["community"], area=tree.communities[0], name="四方议事会", members=FOUR
    )


@pytest.fixture(autouse=True)
def _chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"


def _url(council):
    return f"/community/councils/{council.pk}/meetings/new/"


def _post(client, council, **extra):
    members = list(council.members.order_by("id"))
    data = {
        "held_at": (timezone.localtime() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "place": "党群服务中心",
        "present": [m.pk for m in members[:3]],
        "agenda-1-text": "非机动车乱停放",
        "agenda-2-text": "",
        "agenda-3-text": "北门道闸故障",
        "minutes": "讨论了充电棚选址。",
        "rows": "5",
        **extra,
    }
    return client.post(_url(council), data)


def test_it_records_a_meeting_and_redirects(tree, client, council):
    client.force_login(tree.users["community"])
    listing = client.get("/community/councils/").content.decode()
    assert _url(council) in listing
    form = client.get(_url(council))
    assert form.status_code == 200 and "刘书记" in form.content.decode()
    done = _post(client, council)
    meeting = Meeting.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/community/meetings/{meeting.pk}/"
    assert meeting.quorate and meeting.place == "党群服务中心" and meeting.present.count() == 3
    assert list(meeting.agenda.order_by("id").values_list("text", flat=True)) == [
        "非机动车乱停放",
        "北门道闸故障",
    ]


@pytest.mark.parametrize(
    "extra, field, message",
    [
        ({"held_at": "2999-01-01T09:00"}, "id_held_at-errors", "会议召开后才能记录"),
        ({"present": []}, "present-errors", "请勾选到会成员"),
        ({"agenda-1-text": "", "agenda-3-text": ""}, "agenda-errors", "会议至少应有一项议题"),
        ({"place": " "}, "id_place-errors", "请填写会议地点"),
        ({"agenda-3-case": "NO-SUCH"}, "agenda-errors", "第 2 项议题：您的辖区内没有案件 NO-SUCH"),
    ],
)
def test_it_refuses_a_bad_meeting_next_to_the_field_and_saves_nothing(
    tree,
    client,
    council,
    extra,
    field,
    message,
):
    client.force_login(tree.users["community"])
    refused = _post(client, council, **extra)
    body = refused.content.decode()
    assert refused.status_code == 400
    assert f'id="{field}"' in body and message in body.split(f'id="{field}"')[1][:300]
    assert not Meeting.objects.exists() and not AgendaItem.objects.exists()


def test_it_numbers_the_agenda_rows_as_the_refusal_does(tree, client, council):
    client.force_login(tree.users["community"])
    body = _post(client, council, **{"agenda-3-case": "NO-SUCH"}).content.decode()
    assert 'name="agenda-2-text" value="北门道闸故障"' in body and "第 2 项议题" in body


def test_it_adds_agenda_rows_without_saving(tree, client, council):
    client.force_login(tree.users["community"])
    more = _post(client, council, more="1")
    assert more.status_code == 200 and 'name="agenda-10-text"' in more.content.decode()
    assert "北门道闸故障" in more.content.decode() and not Meeting.objects.exists()


@pytest.mark.parametrize(
    "who, status", [("community", 200), ("worker", 403), ("community_b", 404), ("stranger", 404)]
)
def test_it_lets_only_the_owner_record_a_meeting(tree, client, council, who, status):
    client.force_login(tree.users[who])
    assert client.get(_url(council)).status_code == status
    if status != 200:
        assert _post(client, council).status_code == status
        assert _url(council) not in client.get("/community/councils/").content.decode()
    assert not Meeting.objects.exists()
