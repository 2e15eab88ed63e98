"""GET requests, requests/{id}, servicerequestupdates and the published photos: fields, filters, limits."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, Category, Source

from . import spec
from .conftest import approved, call, counted_queries, photo, point

pytestmark = pytest.mark.django_db


def submit(client, tree, key, grid=0, code="01001", **more):
    answer = call(
        client,
        "post",
        "requests",
        "json",
        {"api_key": key, "service_code": code, **point(tree, grid), "description": "东门外垃圾堆放", **more},
    )
    assert answer.status == 200, answer
    return Case.objects.get(public_id=answer.data[0]["service_request_id"])


def through_to_closed(case, tree):
    u = tree.users
    case_services.case_file(case_id=case.pk, actor=u["community"])
    case_services.case_dispatch(case_id=case.pk, actor=u["community"], department=tree.departments[0])
    case_services.case_accept(case_id=case.pk, actor=u["handler"])
    case_services.case_feedback(case_id=case.pk, actor=u["handler"], result="垃圾已清运", photos=[photo()])
    case_services.case_verify(case_id=case.pk, actor=u["worker"], passed=True, photos=[photo()])
    case_services.case_close(case_id=case.pk, actor=u["community"])
    return Case.objects.get(pk=case.pk)


def test_a_new_request_reads_back_with_every_specified_field(client, tree, client_key, fmt):
    case = approved(submit(client, tree, client_key, address_string="东门", address_id="", media=photo()))
    answer = call(client, "get", f"requests/{case.public_id}", fmt)
    assert answer.status == 200
    (row,) = answer.data
    assert list(row) == spec.REQUEST
    assert row["service_request_id"] == case.public_id
    assert (row["status"], row["service_code"], row["service_name"]) == ("open", "01001", "暴露垃圾")
    assert row["status_notes"].startswith("Received")
    assert row["description"] == "东门外垃圾堆放" and row["address"] == "东门"
    assert row["agency_responsible"] == "网格1-1-1"  # a grid-level case: the grid's unit files it
    assert "4 working hours" in row["service_notice"]
    assert re.match(spec.W3_DATETIME, row["requested_datetime"]) and row["requested_datetime"].endswith(
        "+08:00"
    )
    assert re.match(spec.W3_DATETIME, row["updated_datetime"])
    assert row["expected_datetime"] is None  # not dispatched yet: no handling deadline
    assert float(row["lat"]) == pytest.approx(tree.grids[0].centroid_lat)
    assert float(row["long"]) == pytest.approx(tree.grids[0].centroid_lon)
    assert row["media_url"].startswith(f"http://testserver/open311/v2/media/{case.public_id}/")
    assert row["zipcode"] is None


def test_the_published_photo_is_served_without_a_login(client, tree, client_key):
    case = approved(submit(client, tree, client_key, media=photo()))
    media_url = call(client, "get", f"requests/{case.public_id}", "json").data[0]["media_url"]
    response = client.get(media_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8")
    attachment_id = media_url.rsplit("/", 1)[1]
    assert client.get(f"/open311/v2/media/wrongpublicid/{attachment_id}").status_code == 404


def test_photos_of_internal_cases_are_never_served(client, tree):
    from tests.pages.conftest import report

    case = report(tree, Category.objects.get(code="01001"), before_photos=[photo()])
    from cases.models import Attachment

    attachment = Attachment.objects.get(case=case)
    assert client.get(f"/open311/v2/media/{case.public_id}/{attachment.pk}.jpg").status_code == 404


def test_dispatched_cases_name_the_agency_and_expect_the_handling_deadline(client, tree, client_key, fmt):
    case = submit(client, tree, client_key)
    case_services.case_file(case_id=case.pk, actor=tree.users["community"])
    case_services.case_dispatch(
        case_id=case.pk, actor=tree.users["community"], department=tree.departments[0]
    )
    row = call(client, "get", f"requests/{case.public_id}", fmt).data[0]
    case.refresh_from_db()
    assert row["agency_responsible"] == "城管局"
    assert row["status"] == "open" and row["status_notes"] == "Sent to the handling unit."
    assert row["expected_datetime"] == timezone.localtime(case.stage_due_at).isoformat(timespec="seconds")


def test_a_closed_request_says_what_was_done(client, tree, client_key, fmt):
    case = through_to_closed(submit(client, tree, client_key), tree)
    row = call(client, "get", f"requests/{case.public_id}", fmt).data[0]
    assert (row["status"], row["status_notes"]) == ("closed", "垃圾已清运")
    assert row["updated_datetime"] == timezone.localtime(case.closed_at).isoformat(timespec="seconds")
    assert row["expected_datetime"] is None and row["service_notice"] is None


def test_a_voided_request_is_closed_with_the_reason(client, tree, client_key, fmt):
    case = submit(client, tree, client_key)
    case_services.case_void(case_id=case.pk, actor=tree.users["community"], reason="已由物业当场清理")
    row = call(client, "get", f"requests/{case.public_id}", fmt).data[0]
    assert (row["status"], row["status_notes"]) == ("closed", "Not taken up: 已由物业当场清理")


def test_a_merged_request_points_at_the_original(client, tree, client_key, fmt):
    original, duplicate = submit(client, tree, client_key), submit(client, tree, client_key)
    case_services.case_merge(
        case_id=duplicate.pk, actor=tree.users["community"], into=original, reason="同一堆垃圾"
    )
    row = call(client, "get", f"requests/{duplicate.public_id}", fmt).data[0]
    assert row["status"] == "closed" and original.public_id in row["status_notes"]


def test_an_unknown_or_internal_request_is_404(client, tree, fmt):
    from tests.pages.conftest import report

    internal = report(tree, Category.objects.get(code="01001"))
    for public_id in ("nosuchrequest", internal.public_id, str(internal.pk), internal.number):
        answer = call(client, "get", f"requests/{public_id}", fmt)
        assert answer.status == 404 and list(answer.data[0]) == spec.ERROR


def test_the_list_publishes_only_outside_reports(client, tree, client_key, fmt):
    from tests.pages.conftest import report

    ours = submit(client, tree, client_key)
    report(tree, Category.objects.get(code="01001"))  # a patrol report: internal work
    report(
        tree, Category.objects.get(code="06001"), source=Source.CITIZEN, extra={"parties": 2}
    )  # about people
    answer = call(client, "get", "requests", fmt)
    assert [row["service_request_id"] for row in answer.data] == [ours.public_id]
    assert all(list(row) == spec.REQUEST for row in answer.data)


def test_filters_by_service_code_and_status(client, tree, client_key, fmt):
    rubbish = submit(client, tree, client_key)
    closed = through_to_closed(submit(client, tree, client_key), tree)
    lamp = submit(client, tree, client_key, code="05003", **{"attribute[lamp_count]": "2"})

    def ids(**params):
        return {row["service_request_id"] for row in call(client, "get", "requests", fmt, params).data}

    assert ids() == {rubbish.public_id, closed.public_id, lamp.public_id}
    assert ids(service_code="05003") == {lamp.public_id}
    assert ids(service_code="05003,01001") == ids()
    assert ids(status="closed") == {closed.public_id}
    assert ids(status="open") == {rubbish.public_id, lamp.public_id}
    assert ids(status="open,closed") == ids()
    assert ids(service_code="", status="", start_date="", end_date="") == ids()  # empty means absent


def test_service_request_id_overrides_every_other_filter(client, tree, client_key, fmt):
    first, second = (
        submit(client, tree, client_key),
        submit(client, tree, client_key, code="05003", **{"attribute[lamp_count]": "1"}),
    )
    answer = call(
        client,
        "get",
        "requests",
        fmt,
        {
            "service_request_id": f"{first.public_id},{second.public_id}",
            "service_code": "99999",
            "status": "closed",
            "start_date": "2001-01-01T00:00:00Z",
            "end_date": "2001-01-02T00:00:00Z",
        },
    )
    assert {row["service_request_id"] for row in answer.data} == {first.public_id, second.public_id}


def test_dates_select_by_requested_datetime(client, tree, client_key, fmt):
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=40), tick=False):
        old = submit(client, tree, client_key)
    new = submit(client, tree, client_key)

    def ids(**params):
        answer = call(client, "get", "requests", fmt, params)
        assert answer.status == 200, answer
        return [row["service_request_id"] for row in answer.data]

    assert ids() == [new.public_id, old.public_id]  # newest first, both inside the default 90 days
    day = timedelta(days=1)
    assert ids(start_date=(now - 41 * day).isoformat(), end_date=(now - 39 * day).isoformat()) == [
        old.public_id
    ]
    assert ids(start_date=(now - day).strftime("%Y-%m-%dT%H:%M:%SZ")) == [new.public_id]
    assert ids(end_date=(now - 30 * day).isoformat()) == [old.public_id]


def test_the_default_window_is_the_last_90_days(client, tree, client_key, fmt):
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=91), tick=False):
        submit(client, tree, client_key)
    assert call(client, "get", "requests", fmt).data == []


@pytest.mark.parametrize(
    "params, message",
    [
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-02T00:00:00Z"}, "90 days"),
        ({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "before start_date"),
        ({"start_date": "yesterday"}, "w3 datetime"),
        ({"end_date": "2026-13-45T00:00:00Z"}, "w3 datetime"),
        ({"status": "fixed"}, "open or closed"),
    ],
)
def test_bad_filters_are_400(client, catalogue, fmt, params, message):
    answer = call(client, "get", "requests", fmt, params)
    assert answer.status == 400
    assert list(answer.data[0]) == spec.ERROR and message in answer.data[0]["description"]


def test_exactly_90_days_is_allowed(client, catalogue, fmt):
    answer = call(
        client,
        "get",
        "requests",
        fmt,
        {"start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-04-01T00:00:00+08:00"},
    )
    assert answer.status == 200


def many_outside_cases(tree, count):
    category = Category.objects.get(code="01001")
    now, grid = timezone.now(), tree.grids[0]
    Case.objects.bulk_create(
        Case(
            number=f"T{i:06d}",
            title="垃圾",
            category=category,
            source=Source.CITIZEN,
            area=grid,
            area_code=grid.code,
            lat=grid.centroid_lat,
            lon=grid.centroid_lon,
            reported_at=now - timedelta(minutes=i),
        )
        for i in range(count)
    )


def test_at_most_1000_requests_are_returned_newest_first(client, tree, fmt):
    many_outside_cases(tree, 1003)
    rows = call(client, "get", "requests", fmt).data
    assert len(rows) == 1000
    newest = Case.objects.order_by("-reported_at").values_list("public_id", flat=True)[:1000]
    assert [r["service_request_id"] for r in rows] == list(newest)


def test_the_list_takes_the_same_number_of_queries_for_10_or_1000_rows(client, tree, client_key):
    for _ in range(3):
        submit(client, tree, client_key, media=photo())
    voided = submit(client, tree, client_key)
    case_services.case_void(case_id=voided.pk, actor=tree.users["community"], reason="重复")
    through_to_closed(submit(client, tree, client_key), tree)
    with counted_queries() as few:
        assert len(call(client, "get", "requests", "xml").data) == 5
    many_outside_cases(tree, 1000)
    with counted_queries() as many:
        assert len(call(client, "get", "requests", "json").data) == 1000
    assert 0 < len(many) <= len(few) <= 5, few.sql


def test_updates_follow_a_request_through_its_public_steps(client, tree, client_key, fmt):
    case = approved(through_to_closed(submit(client, tree, client_key, media=photo()), tree))
    answer = call(client, "get", "servicerequestupdates", fmt, {"service_request_id": case.public_id})
    assert answer.status == 200
    rows = answer.data
    assert all(list(row) == spec.UPDATE for row in rows)
    assert [row["description"] for row in rows] == [
        "Received.",
        "Accepted as a case.",
        "Sent to the handling unit.",
        "The handling unit started work.",
        "Handled. 垃圾已清运",
        "Checked on site: done.",
        "Closed.",
    ]
    assert [row["status"] for row in rows] == ["open"] * 6 + ["closed"]
    assert rows[0]["media_url"] and rows[0]["media_url"].startswith("http://testserver/open311/v2/media/")
    assert all(row["media_url"] is None for row in rows[1:])  # handlers' and checkers' photos stay internal
    assert len({row["update_id"] for row in rows}) == 7
    assert all(re.match(spec.W3_DATETIME, row["updated_datetime"]) for row in rows)


def test_updates_are_listed_by_date_for_all_published_requests(client, tree, client_key, fmt):
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=3), tick=False):
        old = submit(client, tree, client_key)
    new = submit(client, tree, client_key)
    case_services.case_void(case_id=old.pk, actor=tree.users["community"], reason="重复上报")
    since = (now - timedelta(hours=1)).isoformat()
    rows = call(client, "get", "servicerequestupdates", fmt, {"start_date": since}).data
    assert [(r["service_request_id"], r["description"]) for r in rows] == [
        (new.public_id, "Received."),
        (old.public_id, "Not taken up. 重复上报"),
    ]
    assert (
        call(
            client,
            "get",
            "servicerequestupdates",
            fmt,
            {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
        ).status
        == 400
    )


def test_updates_take_the_same_number_of_queries_for_few_or_many_events(client, tree, client_key):
    through_to_closed(submit(client, tree, client_key, media=photo()), tree)
    with counted_queries() as few:
        assert len(call(client, "get", "servicerequestupdates", "json").data) == 7
    for _ in range(5):
        through_to_closed(submit(client, tree, client_key, media=photo()), tree)
    with counted_queries() as many:
        assert len(call(client, "get", "servicerequestupdates", "xml").data) == 42
    assert 0 < len(many) <= len(few) <= 3, few.sql
