"""Citizens: report without an account, follow the case with the link, rate it when it closes."""

import time
from datetime import timedelta

import pytest
from django.core.cache import cache

from cases import services
from cases.models import Attachment, Case, CaseEvent
from cases.tokens import citizen_token
from intake import abuse
from intake.citizens import public_channel

from .conftest import photo

pytestmark = pytest.mark.django_db
URL = "/public/report/"


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


def form(tree, category="01001", **overrides):
    grid = tree.grids[0]
    return {
        "category": category,
        "description": "东门垃圾三天没人收了",
        "lat": grid.centroid_lat,
        "lon": grid.centroid_lon,
        "address": "东门",
        "name": "李先生",
        "phone": "13900002222",
        "started": abuse.started_token(time.time() - 60),
        "idempotency_key": overrides.pop("key", "k-1"),
        **overrides,
    }


def opened(client):
    """A browser that opened the form (and got its device cookie)."""
    assert client.get(URL).status_code == 200
    assert client.cookies.get(abuse.DEVICE_COOKIE)
    return client


def send(client, tree, **overrides):
    return client.post(URL, form(tree, **overrides), REMOTE_ADDR=overrides.pop("ip", "10.0.0.1"))


def test_the_report_page_needs_no_account_and_speaks_chinese(client, tree, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    response = client.get(URL)
    assert response.status_code == 200
    assert "我要反映" in response.content.decode() or "反映问题" in response.content.decode()


def test_a_citizen_reports_with_a_photo_and_gets_the_tracking_link(client, tree):
    opened(client)
    response = client.post(URL, {**form(tree), "photos": [photo()]})
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    assert response["Location"] == f"/public/track/{citizen_token(case)}/?new=1"
    assert (case.source, case.reporter, case.reporter_phone) == (
        "citizen",
        public_channel().user,
        "13900002222",
    )
    assert case.attachments.filter(kind="before").count() == 1
    page = client.get(response["Location"]).content.decode()
    assert case.public_id in page and f"/public/track/{citizen_token(case)}/" in page
    assert case.number not in page  # the serial number would tell how many cases the district has


def test_a_retry_of_the_same_form_makes_one_case(client, tree):
    opened(client)
    assert send(client, tree).status_code == 302
    assert send(client, tree).status_code == 302
    assert Case.objects.count() == 1


def test_errors_are_shown_next_to_the_fields(client, tree):
    opened(client)
    response = send(client, tree, description="", lat="", lon="", phone="abc")
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert {"description", "lat", "phone"} <= set(errors)
    outside = send(client, tree, lat="30.0", lon="120.0")
    assert outside.status_code == 400 and "lat" in outside.context["form"].errors
    assert Case.objects.count() == 0


def test_categories_with_staff_only_required_fields_are_not_offered(client, tree):
    codes = {c.code for c in client.get(URL).context["categories"]}
    assert "01001" in codes and "06001" not in codes  # 邻里纠纷 needs the number of parties


def test_the_per_device_limit_answers_429_in_chinese(client, tree, settings):
    settings.GRIDGOV = {**settings.GRIDGOV, "PUBLIC_REPORTS_PER_DEVICE_PER_HOUR": 2}
    opened(client)
    for n in range(2):
        assert send(client, tree, key=f"k{n}", ip=f"10.0.0.{n}").status_code == 302
    client.cookies["django_language"] = "zh-hans"
    limited = send(client, tree, key="k9", ip="10.0.0.9")
    assert limited.status_code == 429
    assert "请稍后再试" in limited.content.decode()
    assert Case.objects.count() == 2


def test_the_per_ip_limit_counts_across_devices(client, tree, settings):
    from django.test import Client

    settings.GRIDGOV = {**settings.GRIDGOV, "PUBLIC_REPORTS_PER_IP_PER_HOUR": 2}
    for n in range(2):
        assert send(opened(Client()), tree, key=f"k{n}").status_code == 302
    assert send(opened(Client()), tree, key="k3").status_code == 429
    assert send(opened(Client()), tree, key="k4", ip="10.9.9.9").status_code == 302


def test_the_honeypot_and_a_missing_device_cookie_stop_the_report(client, tree):
    opened(client)
    assert send(client, tree, website="http://spam.example").status_code == 400
    from django.test import Client

    assert send(Client(), tree, key="k2").status_code == 400  # never opened the form: no device cookie
    assert Case.objects.count() == 0


def test_a_form_sent_too_fast_or_with_a_forged_timestamp_is_refused(client, tree):
    opened(client)
    assert send(client, tree, started=abuse.started_token()).status_code == 400
    assert send(client, tree, started="forged").status_code == 400
    assert Case.objects.count() == 0


def test_switching_the_public_channel_off_closes_the_page(client, tree):
    channel = public_channel()
    channel.is_active = False
    channel.save()
    assert client.get(URL).status_code == 503


def test_possible_duplicates_show_nothing_personal(client, tree, rubbish):
    from tests.cases.conftest import report

    near = report(tree, rubbish, reporter_name="张三", reporter_phone="13700001111", title="东门垃圾")
    grid = tree.grids[0]
    page = client.get(
        "/public/report/duplicates/",
        {"category": "01001", "lat": grid.centroid_lat + 0.0002, "lon": grid.centroid_lon},
    ).content.decode()
    assert near.public_id in page and "东门垃圾" in page and "m" in page and near.number not in page
    assert "张三" not in page and "13700001111" not in page and "worker" not in page
    far = client.get(
        "/public/report/duplicates/",
        {"category": "01001", "lat": grid.centroid_lat + 0.002, "lon": grid.centroid_lon},
    ).content.decode()
    assert near.public_id not in far


def test_marking_the_same_problem_links_the_report_for_the_staff(client, tree, rubbish):
    from tests.cases.conftest import report

    near = report(tree, rubbish)
    opened(client)
    assert send(client, tree, same_as=near.public_id).status_code == 302
    mine = Case.objects.get(source="citizen")
    assert near.number in mine.description


def _close(tree, case):
    u = tree.users
    services.case_file(case_id=case.pk, actor=u["community"])
    services.case_dispatch(case_id=case.pk, actor=u["community"], department=tree.departments[0])
    services.case_accept(case_id=case.pk, actor=u["handler"])
    services.case_feedback(
        case_id=case.pk, actor=u["handler"], result="垃圾已清运", photos=[photo(color=(0, 160, 0))]
    )
    services.case_verify(case_id=case.pk, actor=u["worker"], passed=True, note="内部备注：已核实")
    services.case_close(case_id=case.pk, actor=u["community"])


def test_a_citizens_report_followed_through_to_the_rating(client, tree):
    opened(client)
    track_url = send(client, tree).headers["Location"].split("?")[0]
    case = Case.objects.get()
    page = client.get(track_url)
    assert [m.text for m in page.context["t"].milestones] == ["Your report was received."]
    assert "rate-form" not in page.content.decode()
    _close(tree, case)
    page = client.get(track_url)
    body = page.content.decode()
    texts = [m.text for m in page.context["t"].milestones]
    assert texts == [
        "Your report was received.",
        "Accepted as a case.",
        "Sent to the unit that handles it.",
        "The unit started handling it.",
        "The unit reports it handled.",
        "Checked on site.",
        "Closed.",
    ]
    assert "垃圾已清运" in body  # the result, in plain words
    assert (
        "内部备注" not in body and "handler" not in body and "城管局" not in body
    )  # no staff or internal notes
    assert 'id="rate-form"' in body
    assert page.context["t"].after_photos == []  # not approved yet: not shown, even to the reporter
    Attachment.objects.filter(case=case, kind="after").update(publication="approved")
    [after] = client.get(track_url).context["t"].after_photos
    thumbnail = client.get(f"{track_url}photos/{after.pk}/thumbnail/")
    assert thumbnail.status_code == 200 and thumbnail["Cache-Control"].startswith("private")
    rated = client.post(f"{track_url}rate/", {"satisfaction": "basically_satisfied", "comment": "还行"})
    assert rated.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.satisfaction) == ("evaluated", "basically_satisfied")
    assert CaseEvent.objects.get(case=case, kind="evaluate").payload["channel"] == "link"
    page = client.get(track_url).content.decode()
    assert "Basically satisfied" in page and 'id="rate-form"' not in page


def test_a_rating_needs_an_answer_and_a_valid_link(client, tree):
    opened(client)
    track_url = send(client, tree).headers["Location"].split("?")[0]
    _close(tree, Case.objects.get())
    assert client.post(f"{track_url}rate/", {"satisfaction": "great"}).status_code == 400
    assert client.get("/public/track/nope:forged/").status_code == 404
    assert client.post("/public/track/nope:forged/rate/", {"satisfaction": "satisfied"}).status_code == 404


def test_photos_before_closing_and_of_other_cases_stay_private(client, tree, rubbish):
    from tests.cases.conftest import report

    opened(client)
    track_url = send(client, tree).headers["Location"].split("?")[0]
    other = report(tree, rubbish, before_photos=[photo()])
    from cases.models import Attachment

    other_photo = Attachment.objects.get(case=other)
    assert client.get(f"{track_url}photos/{other_photo.pk}/").status_code == 404


def test_a_merged_report_shows_the_originals_progress_and_rates_it(client, tree, rubbish):
    from tests.cases.conftest import report

    original = report(tree, rubbish)
    opened(client)
    track_url = send(client, tree).headers["Location"].split("?")[0]
    mine = Case.objects.get(source="citizen")
    services.case_merge(case_id=mine.pk, actor=tree.users["community"], into=original.number, reason="同一处")
    _close(tree, original)
    page = client.get(track_url)
    assert page.context["t"].shown == original
    texts = [m.text for m in page.context["t"].milestones]
    assert texts[0] == "Your report was received." and texts[1].startswith("Joined with an earlier report")
    assert texts[-1] == "Closed."
    client.post(f"{track_url}rate/", {"satisfaction": "satisfied"})
    original.refresh_from_db()
    assert original.satisfaction == "satisfied"


def test_a_voided_report_tells_the_reason(client, tree):
    opened(client)
    track_url = send(client, tree).headers["Location"].split("?")[0]
    services.case_void(
        case_id=Case.objects.get().pk, actor=tree.users["community"], reason="不属于本辖区事项"
    )
    page = client.get(track_url)
    assert page.context["t"].milestones[-1].detail == "不属于本辖区事项"


def test_the_public_map_gets_grid_outlines_and_names_only(client, tree):
    body = client.get("/public/grids.geojson").json()
    assert len(body["features"]) == 8
    assert set(body["features"][0]["properties"]) == {"name"}
    grid = tree.grids[3]
    assert client.get("/public/locate/", {"lat": grid.centroid_lat, "lon": grid.centroid_lon}).json() == {
        "area": {"name": grid.name}
    }


def test_possible_duplicates_are_recent_open_cases_within_the_category_radius(client, tree, rubbish):
    from datetime import timedelta

    from django.utils import timezone

    from tests.cases.conftest import report

    grid = tree.grids[0]
    recent, old, other_kind = (report(tree, rubbish, title=t) for t in ("近期", "很久以前", "别的类"))
    Case.objects.filter(pk=old.pk).update(
        reported_at=timezone.now() - timedelta(hours=rubbish.duplicate_window_hours + 1)
    )
    from cases.models import Category

    Case.objects.filter(pk=other_kind.pk).update(category=Category.objects.get(code="01003"))
    services.case_void(case_id=recent.pk, actor=tree.users["community"], reason="误报")
    fresh = report(tree, rubbish, title="仍在办理")
    page = client.get(
        "/public/report/duplicates/",
        {"category": "01001", "lat": grid.centroid_lat + 0.0004, "lon": grid.centroid_lon},
    ).content.decode()  # ~45 m
    assert fresh.public_id in page
    assert old.public_id not in page and other_kind.public_id not in page and recent.public_id not in page
    beyond = client.get(
        "/public/report/duplicates/",
        {"category": "01001", "lat": grid.centroid_lat + 0.0005, "lon": grid.centroid_lon},
    ).content.decode()  # ~56 m
    assert fresh.public_id not in beyond


def test_still_a_problem_sends_the_closed_report_back_to_work_with_the_words(client, tree):
    opened(client)
    track_url = send(client, tree).headers["Location"].split("?")[0]
    case = Case.objects.get()
    assert 'id="still-form"' not in client.get(track_url).content.decode()  # open: nothing to reopen
    _close(tree, case)
    assert 'id="still-form"' in client.get(track_url).content.decode()
    empty = client.post(f"{track_url}still-a-problem/", {"words": "  "})
    assert empty.status_code == 400 and "id_words-errors" in empty.content.decode()
    assert Case.objects.get(pk=case.pk).status == "closed"
    sent = client.post(f"{track_url}still-a-problem/", {"words": "垃圾又堆起来了"})
    assert sent.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.reopen_count) == ("filed", 1)
    event = CaseEvent.objects.get(case=case, kind="reopen")
    assert event.actor is None and "垃圾又堆起来了" in event.comment
    # Open again: the form is gone, and a second press changes nothing.
    assert 'id="still-form"' not in client.get(track_url).content.decode()
    assert client.post(f"{track_url}still-a-problem/", {"words": "还有"}).status_code == 302
    assert CaseEvent.objects.filter(case=case, kind="reopen").count() == 1


def test_still_a_problem_only_within_the_window_and_with_a_valid_link(client, tree, settings):
    opened(client)
    track_url = send(client, tree).headers["Location"].split("?")[0]
    case = Case.objects.get()
    _close(tree, case)
    case.refresh_from_db()
    window = settings.GRIDGOV["CALLBACK_WINDOW_DAYS"]
    Case.objects.filter(pk=case.pk).update(closed_at=case.closed_at - timedelta(days=window, minutes=1))
    late = client.post(f"{track_url}still-a-problem/", {"words": "垃圾又堆起来了"})
    assert late.status_code == 400 and Case.objects.get(pk=case.pk).status == "closed"
    forged = client.post("/public/track/nope:forged/still-a-problem/", {"words": "x"})
    assert forged.status_code == 404
