"""The public API's updates on a published report (open311/citizen_api.py over open311.services
``citizen_update_add``, the report page's path too): a verified phone's token, counted per phone and per
address with a clear 429; on the staff timeline with the phone, on the public one without it; a photo waits
for the staff; a closed report refuses and an unpublished one is a 404; bad input is a 400 by field."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from cases.models import Attachment, CaseEvent, Category, EventKind
from tests.intake.test_citizens import _close
from tests.pages.conftest import report

from .conftest import photo_bytes
from .test_api_citizen_phone import OWNER, STRANGER, phone_token
from .test_public_pages import citizen

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    cache.clear()
    yield
    cache.clear()


def post(case, ip="10.8.0.1", fmt="json", public_id=None, **data):
    return APIClient().post(
        f"/api/v1/public/reports/{public_id or case.public_id}/updates/",
        data,
        format=fmt,
        REMOTE_ADDR=ip,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def updates(case):
    return CaseEvent.objects.filter(case=case, kind=EventKind.CITIZEN_UPDATE)


def test_it_adds_the_update_to_the_staff_and_public_timelines(tree):
    case = citizen(tree)
    answer = post(case, phone_token=phone_token(OWNER), text="还在 13812345678", still_there=True)
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["service_request_id"] == case.public_id and body["status"] == "open"
    assert body["description"] == "A citizen's update: Still there. 还在 138****5678"
    assert body["media_url"] is None and body["photo_waiting_for_review"] is False
    [event] = updates(case)
    assert event.payload["phone"] == OWNER and event.payload["still_there"] is True
    assert body["update_id"] == f"{case.public_id}-{event.seq}"
    public = APIClient().get(
        "/open311/v2/servicerequestupdates.json",
        {"service_request_id": case.public_id},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert body["description"] in [u["description"] for u in public.json()]
    assert OWNER not in public.content.decode() and OWNER not in answer.content.decode()


def test_the_update_is_the_verified_owners_not_a_strangers(tree):
    """The token names the phone: whoever sends the owner's update, it is recorded as the owner's, and a
    stranger's own token records the stranger."""
    case = citizen(tree)
    post(case, phone_token=phone_token(OWNER), text="一")
    post(case, phone_token=phone_token(STRANGER, ip="10.9.0.2"), text="二")
    assert [e.payload["phone"] for e in updates(case).order_by("seq")] == [OWNER, STRANGER]


def test_without_a_valid_phone_token_it_is_a_400_naming_the_token(tree):
    case = citizen(tree)
    token = phone_token(OWNER)
    for sent in ({}, {"phone_token": ""}, {"phone_token": token[:-2] + "xx"}):
        answer = post(case, text="还在", **sent)
        assert answer.status_code == 400 and list(answer.json()["fields"]) == ["phone_token"], sent
    assert not updates(case).exists()


def test_bad_text_is_a_400_naming_the_field(tree):
    case = citizen(tree)
    token = phone_token(OWNER)
    for text in ("   ", "字" * 501):
        answer = post(case, phone_token=token, text=text)
        assert answer.status_code == 400 and list(answer.json()["fields"]) == ["text"]
    answer = post(case, phone_token=token, text="还在", still_there="perhaps")
    assert answer.status_code == 400 and list(answer.json()["fields"]) == ["still_there"]


def test_a_closed_report_takes_no_update(tree):
    case = citizen(tree)
    _close(tree, case)
    answer = post(case, phone_token=phone_token(OWNER), text="又出现了")
    assert answer.status_code == 400
    assert answer.json()["fields"]["text"] == [
        "This report is closed: updates are no longer taken. Report it again if needed."
    ]


def test_an_unpublished_or_unknown_report_is_a_404(tree):
    token = phone_token(OWNER)
    patrol = report(tree, Category.objects.get(code="01001"))  # internal work, not published
    assert post(patrol, phone_token=token, text="还在").status_code == 404
    assert post(patrol, public_id="nosuchreport", phone_token=token, text="还在").status_code == 404
    assert not CaseEvent.objects.filter(kind=EventKind.CITIZEN_UPDATE).exists()


def test_updates_are_limited_per_phone_and_per_address_with_a_clear_429(tree, settings):
    settings.GRIDGOV = {
        **settings.GRIDGOV,
        "CITIZEN_UPDATES_PER_PHONE_PER_DAY": 2,
        "CITIZEN_UPDATES_PER_IP_PER_DAY": 3,
    }
    case = citizen(tree)
    owner = phone_token(OWNER)
    assert [post(case, ip=f"10.8.1.{n}", phone_token=owner, text="一").status_code for n in (1, 2, 3)] == [
        201,
        201,
        429,
    ]
    by_phone = post(case, ip="10.8.1.4", phone_token=owner, text="一")
    assert by_phone.json() == {
        "code": "throttled",
        "message": "This phone has sent too many updates today. Please try again tomorrow.",
        "fields": {},
    }
    stranger = phone_token(STRANGER, ip="10.9.0.2")
    assert [post(case, ip="10.8.2.1", phone_token=stranger, text="二").status_code for _ in range(2)] == [
        201,
        201,
    ]
    third = phone_token("13900003333", ip="10.9.0.3")
    post(case, ip="10.8.2.1", phone_token=third, text="三")
    by_address = post(case, ip="10.8.2.1", phone_token=third, text="四")
    assert by_address.status_code == 429
    assert by_address.json()["message"] == "Too many updates from here today. Please try again tomorrow."
    assert updates(case).count() == 5


def test_a_photo_waits_for_the_staff_and_is_never_served_publicly(tree):
    case = citizen(tree)
    upload = SimpleUploadedFile("still.jpg", photo_bytes(), content_type="image/jpeg")
    answer = post(case, fmt="multipart", phone_token=phone_token(OWNER), text="照片", photo=upload)
    assert answer.status_code == 201 and answer.json()["photo_waiting_for_review"] is True
    attachment = Attachment.objects.get(case=case)
    assert attachment.kind == "evidence" and attachment.publication == "pending"
    assert APIClient().get(f"/open311/v2/media/{case.public_id}/{attachment.pk}.jpg").status_code == 404


def test_a_bad_photo_is_a_400_naming_the_photo(tree):
    case = citizen(tree)
    upload = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    answer = post(case, fmt="multipart", phone_token=phone_token(OWNER), text="照片", photo=upload)
    assert answer.status_code == 400 and list(answer.json()["fields"]) == ["photo"]
    assert not Attachment.objects.filter(case=case).exists()
