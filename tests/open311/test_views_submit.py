"""POST requests: the API key, the parameters, attributes, photos, idempotency and the rate limit."""

import pytest
import time_machine

from cases.models import Attachment, Case, Source
from intake.keys import integration_revoke
from open311.models import MediaFetch, Submission

from . import spec
from .conftest import call, photo, point

pytestmark = pytest.mark.django_db


def post(client, fmt, data, **extra):
    return call(client, "post", "requests", fmt, data, **extra)


def rubbish_request(tree, key, **more):
    return {
        "api_key": key,
        "service_code": "01001",
        **point(tree),
        "description": "东门外垃圾堆放\n约两立方米",
        **more,
    }


def test_it_creates_a_case_and_answers_with_its_public_id(client, tree, client_key, fmt):
    answer = post(
        client,
        fmt,
        rubbish_request(
            tree,
            client_key,
            first_name="小明",
            last_name="王",
            phone="13800000000",
            email="wang@example.org",
            account_id="u-77",
            device_id="dev-1",
            address_string="东门",
        ),
    )
    assert answer.status == 200, answer
    (row,) = answer.data
    assert list(row) == spec.POST_RESPONSE
    case = Case.objects.get()
    assert row["service_request_id"] == case.public_id != case.number
    assert "token" not in row  # the specification: a token only when no id is returned
    assert row["account_id"] == "u-77"
    assert "4" in row["service_notice"]  # 暴露垃圾 is handled within 4 working hours
    assert (case.source, case.category.code, case.area == tree.grids[0]) == (Source.CITIZEN, "01001", True)
    assert (case.title, case.reporter_name, case.reporter_phone, case.address) == (
        "东门外垃圾堆放",
        "王小明",
        "13800000000",
        "东门",
    )
    assert case.reporter.integration.name == "FixMyStreet"  # the audit trail names the client
    submission = Submission.objects.get(case=case)
    assert (submission.email, submission.device_id, submission.account_id) == (
        "wang@example.org",
        "dev-1",
        "u-77",
    )


def test_an_anonymous_request_works(client, tree, client_key, fmt):
    answer = post(client, fmt, {"api_key": client_key, "service_code": "01001", **point(tree)})
    assert answer.status == 200
    case = Case.objects.get()
    assert case.reporter_name == "" and case.title == "暴露垃圾"  # no description: the service names it
    assert answer.data[0]["account_id"] in (None, "")


def test_the_key_may_come_in_a_header(client, tree, client_key, fmt):
    data = rubbish_request(tree, client_key)
    del data["api_key"]
    assert post(client, fmt, data, HTTP_X_API_KEY=client_key).status == 200


@pytest.mark.parametrize("key", ["", "gg_nope_nope", "{key}x"])
def test_a_missing_or_wrong_key_is_403(client, tree, client_key, fmt, key):
    answer = post(client, fmt, rubbish_request(tree, key.format(key=client_key)))
    assert answer.status == 403
    assert [list(e) for e in answer.data] == [spec.ERROR]
    assert str(answer.data[0]["code"]) == "403"
    assert not Case.objects.exists()


def test_a_revoked_key_is_403(client, tree, client_key, integration, fmt):
    integration_revoke(prefix=integration.key_prefix)
    assert post(client, fmt, rubbish_request(tree, client_key)).status == 403


def test_a_key_of_another_kind_is_403(client, tree, fmt):
    from intake.keys import integration_create

    _hotline, key = integration_create(name="12345", kind="hotline")
    assert post(client, fmt, rubbish_request(tree, key)).status == 403


def test_a_missing_service_code_is_400_and_an_unknown_one_404(client, tree, client_key, fmt):
    data = rubbish_request(tree, client_key, service_code="")
    missing = post(client, fmt, data)
    assert missing.status == 400 and "service_code" in missing.data[0]["description"]
    assert post(client, fmt, {**data, "service_code": "99999"}).status == 404
    assert (
        post(client, fmt, {**data, "service_code": "10002"}).status == 404
    )  # special groups are not offered


def test_another_jurisdiction_is_404(client, tree, client_key, fmt):
    assert post(client, fmt, rubbish_request(tree, client_key, jurisdiction_id="sfgov.org")).status == 404
    assert (
        post(client, fmt, rubbish_request(tree, client_key, jurisdiction_id="lhq.gridgov.local")).status
        == 200
    )


@pytest.mark.parametrize(
    "location, message",
    [
        ({}, "location is required"),
        ({"lat": "28.2"}, "together"),
        ({"lat": "north", "long": "112.9"}, "numbers"),
        ({"lat": "128.2", "long": "112.9"}, "within"),
        ({"lat": "39.9", "long": "116.4"}, "outside every grid"),
        ({"address_string": "火星路1号"}, "send lat and long"),
        ({"address_id": "B-404"}, "address_id provided was not found"),
    ],
)
def test_a_bad_location_is_400(client, tree, client_key, fmt, location, message):
    answer = post(client, fmt, {"api_key": client_key, "service_code": "01001", **location})
    assert answer.status == 400, answer
    assert any(message in e["description"] for e in answer.data), answer.data
    assert not Case.objects.exists()


def test_an_address_id_is_a_building_code(client, tree, client_key, fmt):
    from residents.models import Building

    grid = tree.grids[3]
    Building.objects.create(
        area=grid, code="B-7", name="7栋", address="麓谷路7号", lat=grid.centroid_lat, lon=grid.centroid_lon
    )
    assert (
        post(client, fmt, {"api_key": client_key, "service_code": "01001", "address_id": "B-7"}).status == 200
    )
    case = Case.objects.get()
    assert (case.area, case.address, case.open311.address_id) == (grid, "麓谷路7号", "B-7")


def test_empty_parameters_are_absent(client, tree, client_key, fmt):
    answer = post(
        client,
        fmt,
        rubbish_request(
            tree, client_key, email="", address_string="", media_url="", first_name="", jurisdiction_id=""
        ),
    )
    assert answer.status == 200
    assert not MediaFetch.objects.exists()


def test_several_problems_are_listed_together(client, tree, client_key, fmt):
    answer = post(
        client,
        fmt,
        rubbish_request(
            tree,
            client_key,
            email="not-an-email",
            description="x" * 4001,
            media_url="ftp://media.example.org/a.jpg",
        ),
    )
    assert answer.status == 400
    assert len(answer.data) == 3
    assert all(list(e) == spec.ERROR and str(e["code"]) == "400" for e in answer.data)


def test_attributes_are_checked_against_the_service_definition(client, tree, client_key, fmt):
    base = {"api_key": client_key, "service_code": "05001", **point(tree)}
    missing = post(client, fmt, base)
    assert missing.status == 400 and "attribute[cover_type]" in missing.data[0]["description"]
    wrong = post(client, fmt, {**base, "attribute[cover_type]": "gold"})
    assert wrong.status == 400 and "attribute[cover_type]" in wrong.data[0]["description"]
    unknown = post(client, fmt, {**base, "attribute[cover_type]": "rain", "attribute[colour]": "red"})
    assert unknown.status == 400 and "attribute[colour]" in unknown.data[0]["description"]
    good = post(client, fmt, {**base, "attribute[cover_type]": "rain", "attribute[component_id]": "JG-001"})
    assert good.status == 200
    assert Case.objects.get().extra == {"cover_type": "rain", "component_id": "JG-001"}


def test_numbers_multivaluelists_and_dates_are_read_as_their_types(client, tree, client_key, fmt):
    lamp = post(
        client,
        fmt,
        {"api_key": client_key, "service_code": "05003", **point(tree), "attribute[lamp_count]": "three"},
    )
    assert lamp.status == 400
    assert (
        post(
            client,
            fmt,
            {"api_key": client_key, "service_code": "05003", **point(tree), "attribute[lamp_count]": "3"},
        ).status
        == 200
    )
    charging = post(
        client,
        fmt,
        {
            "api_key": client_key,
            "service_code": "07002",
            **point(tree),
            "attribute[place][]": ["corridor", "exit"],
        },
    )
    assert charging.status == 200
    build = post(
        client,
        fmt,
        {
            "api_key": client_key,
            "service_code": "03001",
            **point(tree),
            "attribute[structure]": "steel",
            "attribute[started_on]": "2026-11-22T23:30:00Z",
        },
    )
    assert build.status == 200
    extras = {c.category.code: c.extra for c in Case.objects.select_related("category")}
    assert extras["05003"] == {"lamp_count": 3.0}
    assert extras["07002"] == {"place": ["corridor", "exit"]}
    assert extras["03001"]["started_on"] == "2026-11-23"  # 23:30 UTC is the next morning in Changsha


def test_photos_may_be_uploaded_with_the_request(client, tree, client_key, fmt):
    answer = post(client, fmt, rubbish_request(tree, client_key, media=[photo("a.jpg"), photo("b.jpg")]))
    assert answer.status == 200
    case = Case.objects.get()
    photos = Attachment.objects.filter(case=case, kind="before")
    assert photos.count() == 2 and all(p.event_id for p in photos)


def test_an_upload_that_is_not_a_photo_is_400(client, tree, client_key, fmt):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("a.jpg", b"not a photo at all", content_type="image/jpeg")
    answer = post(client, fmt, rubbish_request(tree, client_key, media=fake))
    assert answer.status == 400 and answer.data[0]["description"].startswith("media:")
    assert not Case.objects.exists()


def test_a_media_url_is_queued_and_never_fetched_during_the_request(
    client, tree, client_key, fmt, monkeypatch, django_capture_on_commit_callbacks
):
    fetched = []
    monkeypatch.setattr("open311.tasks.fetch_media.delay", fetched.append)
    monkeypatch.setattr("open311.fetch._open", lambda url: pytest.fail("fetched during the request"))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        answer = post(
            client, fmt, rubbish_request(tree, client_key, media_url="https://media.example.org/p/1.jpg")
        )
    assert answer.status == 200
    assert fetched == []
    for callback in callbacks:
        callback()
    fetch = MediaFetch.objects.get()
    assert (fetch.status, fetch.url, fetch.attempts) == ("pending", "https://media.example.org/p/1.jpg", 0)
    assert fetched == [fetch.pk]  # enqueued on commit for the worker


def test_a_media_url_on_another_host_is_refused_and_said_so(client, tree, client_key, fmt):
    answer = post(
        client, fmt, rubbish_request(tree, client_key, media_url="http://169.254.169.254/latest/meta")
    )
    assert answer.status == 200
    fetch = MediaFetch.objects.get()
    assert fetch.status == "refused" and "169.254.169.254" in fetch.error
    assert "169.254.169.254" in answer.data[0]["service_notice"]


def test_a_retry_with_the_same_idempotency_key_returns_the_first_request(client, tree, client_key, fmt):
    data = rubbish_request(tree, client_key, media_url="https://media.example.org/p/1.jpg")
    first = post(client, fmt, data, HTTP_IDEMPOTENCY_KEY="fms-123")
    again = post(client, fmt, data, HTTP_IDEMPOTENCY_KEY="fms-123")
    assert first.status == again.status == 200
    assert first.data[0]["service_request_id"] == again.data[0]["service_request_id"]
    assert again.response["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == Submission.objects.count() == MediaFetch.objects.count() == 1
    changed = post(client, fmt, {**data, "description": "别的事"}, HTTP_IDEMPOTENCY_KEY="fms-123")
    assert changed.status == 400 and "Idempotency-Key" in changed.data[0]["description"]


def test_without_an_idempotency_key_each_post_is_a_new_request(client, tree, client_key, fmt):
    data = rubbish_request(tree, client_key)
    post(client, fmt, data)
    post(client, fmt, data)
    assert Case.objects.count() == 2


def test_a_key_posting_too_fast_is_told_to_wait(client, tree, client_key, fmt, settings):
    settings.GRIDGOV = {**settings.GRIDGOV, "OPEN311_RATE_LIMIT": 2}
    data = rubbish_request(tree, client_key)
    with time_machine.travel("2026-11-23T09:30:10+08:00", tick=False):
        assert [post(client, fmt, data).status for _ in range(3)] == [200, 200, 429]
        answer = post(client, fmt, data)
    assert answer.status == 429 and list(answer.data[0]) == spec.ERROR
    assert Case.objects.count() == 2


def test_the_post_carries_a_token_for_clients_that_use_tokens(client, tree, client_key, fmt):
    answer = post(client, fmt, rubbish_request(tree, client_key))
    token = answer.response["Open311-Token"]
    resolved = call(client, "get", f"tokens/{token}", fmt)
    assert resolved.status == 200
    assert resolved.data == [{"service_request_id": answer.data[0]["service_request_id"], "token": token}]
    assert all(list(row) == spec.TOKEN for row in resolved.data)


def test_an_unknown_token_is_404(client, tree, fmt):
    answer = call(client, "get", "tokens/abc:forged", fmt)
    assert answer.status == 404 and list(answer.data[0]) == spec.ERROR
