"""Citizens' updates on a published report (issue 24 §1): a phone verified by SMS code, rate-limited per
number and per address, on the staff timeline with its own label, on the public timeline without the phone;
a closed report refuses; the photo is kept as evidence, never served publicly."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import Attachment, CaseEvent, EventKind
from intake import phones
from intake.models import SmsMessage
from tests.intake.test_citizens import _close

from .conftest import photo_bytes
from .test_public_pages import citizen

pytestmark = pytest.mark.django_db
PHONE = "13900002222"


@pytest.fixture(autouse=True)
def _zh(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    cache.clear()
    yield
    cache.clear()


def verified(client, phone=PHONE):
    client.cookies[phones.COOKIE] = phones.code_verify(phone=phone, code=_code(phone), ip="10.0.0.9")


def _code(phone):
    phones.code_request(phone=phone, ip="10.0.0.9")
    return SmsMessage.objects.filter(phone=phone, purpose="verify_code").latest("id").params["code"]


def post(client, case, ip="10.1.1.1", **data):
    return client.post(
        f"/public/reports/{case.public_id}/update/", data, REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE="en"
    )


def test_it_adds_a_verified_citizens_update_to_the_staff_and_public_timelines(client, tree):
    case = citizen(tree)
    verified(client)
    response = post(client, case, text="还在，而且更多了 13812345678", still_there="1")
    assert response.status_code == 302 and "updated=1" in response.headers["Location"]
    event = CaseEvent.objects.get(case=case, kind=EventKind.CITIZEN_UPDATE)
    assert event.payload["phone"] == PHONE and event.payload["still_there"] is True
    assert event.get_kind_display() == "市民补充"  # the label is translated (zh-hans, the default)
    public = client.get(f"/public/reports/{case.public_id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "市民补充： 仍然存在。 还在，而且更多了" in public
    assert PHONE not in public and "13812345678" not in public and "138****5678" in public


def test_the_staff_see_the_update_with_its_translated_label(client, tree):
    case = citizen(tree)
    verified(client)
    post(client, case, text="仍然堆着")
    client.force_login(tree.users["centre"])
    page = client.get(f"/cases/{case.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "仍然堆着" in page and "市民补充" in page


def test_it_refuses_without_a_verified_phone_by_field(client, tree):
    case = citizen(tree)
    response = post(client, case, text="还在")
    assert response.status_code == 400
    assert response.context["update_errors"]["phone"]
    assert not CaseEvent.objects.filter(kind=EventKind.CITIZEN_UPDATE).exists()


def test_an_empty_update_is_refused_by_field(client, tree):
    case = citizen(tree)
    verified(client)
    response = post(client, case, text="   ")
    assert response.status_code == 400 and response.context["update_errors"]["text"]


def test_a_closed_report_refuses_updates_with_a_clear_message(client, tree):
    case = citizen(tree)
    _close(tree, case)
    verified(client)
    response = post(client, case, text="又出现了")
    assert response.status_code == 400
    assert "已办结" in response.context["update_errors"]["text"][0]
    page = client.get(f"/public/reports/{case.public_id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "不再接收补充" in page and 'name="still_there"' not in page


def test_updates_are_rate_limited_per_phone_and_per_address(client, tree, settings):
    settings.GRIDGOV = {
        **settings.GRIDGOV,
        "CITIZEN_UPDATES_PER_PHONE_PER_DAY": 2,
        "CITIZEN_UPDATES_PER_IP_PER_DAY": 3,
    }
    case = citizen(tree)
    verified(client)
    assert post(client, case, ip="10.2.0.1", text="一").status_code == 302
    assert post(client, case, ip="10.2.0.2", text="二").status_code == 302
    refused = post(client, case, ip="10.2.0.3", text="三")
    assert refused.status_code == 429 and refused.context["update_errors"]["phone"]
    verified(client, "13900003333")
    assert post(client, case, ip="10.2.0.9", text="四").status_code == 302
    verified(client, "13900004444")
    for text in ("五", "六"):
        post(client, case, ip="10.2.0.9", text=text)
    by_address = post(client, case, ip="10.2.0.9", text="七")
    assert by_address.status_code == 429 and by_address.context["update_errors"]["text"]
    assert CaseEvent.objects.filter(kind=EventKind.CITIZEN_UPDATE).count() == 5


def test_a_photo_is_kept_as_evidence_and_never_served_publicly(client, tree):
    case = citizen(tree)
    verified(client)
    upload = SimpleUploadedFile("still.jpg", photo_bytes(), content_type="image/jpeg")
    assert post(client, case, text="照片", photo=upload).status_code == 302
    attachment = Attachment.objects.get(case=case)
    assert attachment.kind == "evidence" and attachment.event.kind == EventKind.CITIZEN_UPDATE
    assert client.get(f"/open311/v2/media/{case.public_id}/{attachment.pk}.jpg").status_code == 404
    updates = client.get("/open311/v2/servicerequestupdates.json", {"service_request_id": case.public_id})
    assert [u["media_url"] for u in updates.json()] == [None, None]


def test_a_bad_photo_is_refused_by_field(client, tree):
    case = citizen(tree)
    verified(client)
    upload = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    response = post(client, case, text="照片", photo=upload)
    assert response.status_code == 400 and response.context["update_errors"]["photo"]
