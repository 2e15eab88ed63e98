"""The 12345 hotline: work orders become cases once, the first receiver stays visible, callbacks evaluate."""

import pytest
from django.core.exceptions import ValidationError

from cases import services
from cases.models import Case, CaseEvent
from intake.keys import integration_create
from intake.models import HotlineCategoryMap, HotlineOrder

from .conftest import client_for, order, photo

pytestmark = pytest.mark.django_db
URL = "/api/v1/intake/hotline/orders/"


def test_it_creates_a_case_from_a_work_order(tree, hotline):
    response = client_for(hotline).post(URL, order(tree), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    case = Case.objects.get(number=body["case_number"])
    assert (case.source, case.reporter, case.reporter_phone) == ("hotline", hotline.user, "13800001234")
    assert case.area == tree.grids[0]
    assert body["external_id"] == "GD-0001" and body["status"] == "reported"
    assert HotlineOrder.objects.get().case == case


def test_a_retried_order_returns_the_same_case(tree, hotline):
    client = client_for(hotline)
    first = client.post(URL, order(tree), format="json")
    again = client.post(URL, order(tree), format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["case_number"] == again.json()["case_number"]
    assert Case.objects.count() == 1 and HotlineOrder.objects.count() == 1


def test_the_same_number_with_other_content_is_a_conflict(tree, hotline):
    client = client_for(hotline)
    client.post(URL, order(tree), format="json")
    response = client.post(URL, order(tree, title="另一件事"), format="json")
    assert response.status_code == 409
    assert Case.objects.count() == 1


def test_two_hotlines_may_use_the_same_order_number(tree, hotline):
    other, key = integration_create(name="省12345", kind="hotline")
    other.key = key
    assert client_for(hotline).post(URL, order(tree), format="json").status_code == 201
    assert client_for(other).post(URL, order(tree), format="json").status_code == 201
    assert Case.objects.count() == 2


def test_their_category_codes_are_mapped_to_ours(tree, hotline, rubbish):
    HotlineCategoryMap.objects.create(integration=hotline, their_code="HL-0301", category=rubbish)
    response = client_for(hotline).post(URL, order(tree, category="HL-0301"), format="json")
    assert response.status_code == 201
    assert Case.objects.get().category == rubbish


def test_unknown_categories_and_missing_places_are_refused_per_field(tree, hotline):
    client = client_for(hotline)
    unknown = client.post(URL, order(tree, category="HL-9999"), format="json")
    assert unknown.status_code == 400 and "category" in unknown.json()["fields"]
    nowhere = client.post(URL, order(tree, external_id="GD-2", lat=None, lon=None), format="json")
    assert nowhere.status_code == 400 and "location" in nowhere.json()["fields"]
    half = client.post(URL, order(tree, external_id="GD-3", lon=None), format="json")
    assert half.status_code == 400 and "lon" in half.json()["fields"]
    assert Case.objects.count() == 0


def test_an_order_without_a_point_lands_in_the_area_it_names(tree, hotline):
    community = tree.communities[1]
    response = client_for(hotline).post(
        URL, order(tree, lat=None, lon=None, area_code=community.code), format="json"
    )
    assert response.status_code == 201, response.json()
    assert Case.objects.get().area == community


def test_only_hotline_keys_get_in(tree, hotline):
    sensor, key = integration_create(name="传感器", kind="sensor")
    sensor.key = key
    assert client_for(sensor).post(URL, order(tree), format="json").status_code == 401
    from rest_framework.test import APIClient

    staff = APIClient()
    staff.force_login(tree.users["centre"])
    assert staff.post(URL, order(tree), format="json").status_code in (401, 403)
    assert APIClient().get(URL).status_code == 401


def test_an_integration_reads_only_its_own_orders_with_phones_masked_in_the_list(tree, hotline):
    other, key = integration_create(name="省12345", kind="hotline")
    other.key = key
    client_for(hotline).post(URL, order(tree), format="json")
    listed = client_for(hotline).get(URL).json()["results"]
    assert [o["external_id"] for o in listed] == ["GD-0001"]
    assert listed[0]["caller_phone"] == "138****1234"
    assert client_for(hotline).get(URL + "GD-0001/").json()["caller_phone"] == "13800001234"
    assert client_for(other).get(URL).json()["results"] == []
    assert client_for(other).get(URL + "GD-0001/").status_code == 404


def _through_the_loop(tree, case):
    u = tree.users
    services.case_file(case_id=case.pk, actor=u["community"])
    services.case_dispatch(case_id=case.pk, actor=u["community"], department=tree.departments[0])
    services.case_accept(case_id=case.pk, actor=u["handler"])
    services.case_feedback(case_id=case.pk, actor=u["handler"], result="已清运", photos=[photo()])
    services.case_verify(case_id=case.pk, actor=u["worker"], passed=True)
    services.case_close(case_id=case.pk, actor=u["community"])


def test_the_first_receiving_unit_is_kept_and_returns_are_counted(
    tree, hotline, django_capture_on_commit_callbacks
):
    client = client_for(hotline)
    client.post(URL, order(tree), format="json")
    case = Case.objects.get()
    u = tree.users
    services.case_file(case_id=case.pk, actor=u["community"])
    with django_capture_on_commit_callbacks(execute=True):
        services.case_dispatch(case_id=case.pk, actor=u["community"], department=tree.departments[0])
    # No passing on: while the department holds it, it cannot be sent elsewhere...
    with pytest.raises(services.ActionNotAllowed):
        services.case_dispatch(case_id=case.pk, actor=u["community"], team=tree.grids[0])
    # ... only after a recorded return.
    services.case_return(case_id=case.pk, actor=u["handler"], reason="不属于城管职责")
    with django_capture_on_commit_callbacks(execute=True):
        services.case_dispatch(case_id=case.pk, actor=u["community"], team=tree.grids[0])
    body = client.get(URL + "GD-0001/").json()
    assert body["first_unit"] == "城管局"
    assert body["current_unit"] == tree.grids[0].name
    assert body["returns"] == 1
    assert CaseEvent.objects.get(case=case, kind="return_to_dispatcher").comment == "不属于城管职责"


def test_the_callback_evaluates_the_closed_case_as_the_hotline(tree, hotline):
    client = client_for(hotline)
    client.post(URL, order(tree), format="json")
    case = Case.objects.get()
    early = client.post(
        URL + "GD-0001/callback/", {"satisfaction": "satisfied", "solved": True}, format="json"
    )
    assert early.status_code == 409
    _through_the_loop(tree, case)
    response = client.post(
        URL + "GD-0001/callback/",
        {"satisfaction": "basically_satisfied", "solved": True, "comment": "已解决"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    case.refresh_from_db()
    assert (case.status, case.satisfaction) == ("evaluated", "basically_satisfied")
    event = CaseEvent.objects.get(case=case, kind="evaluate")
    assert event.actor == hotline.user and event.payload["channel"] == "hotline"
    assert response.json()["callback"]["solved"] is True
    # The same callback again changes nothing; a different one is a conflict.
    again = client.post(
        URL + "GD-0001/callback/", {"satisfaction": "basically_satisfied", "solved": True}, format="json"
    )
    assert again.status_code == 200
    other = client.post(
        URL + "GD-0001/callback/", {"satisfaction": "dissatisfied", "solved": False}, format="json"
    )
    assert other.status_code == 409
    assert CaseEvent.objects.filter(case=case, kind="evaluate").count() == 1


def test_a_merged_order_is_rated_on_the_original(tree, hotline, rubbish):
    from tests.cases.conftest import report

    original = report(tree, rubbish)
    client = client_for(hotline)
    client.post(URL, order(tree), format="json")
    duplicate = Case.objects.get(source="hotline")
    services.case_merge(
        case_id=duplicate.pk, actor=tree.users["community"], into=original.number, reason="同一堆垃圾"
    )
    _through_the_loop(tree, original)
    response = client.post(URL + "GD-0001/callback/", {"satisfaction": "satisfied"}, format="json")
    assert response.status_code == 200, response.json()
    original.refresh_from_db()
    assert original.satisfaction == "satisfied"
    assert client.get(URL + "GD-0001/").json()["merged_into"] == original.number


def test_the_service_refuses_a_street_as_the_place(tree, hotline):
    from intake.hotline import order_receive

    data = order(tree, lat=None, lon=None, area_code=tree.streets[0].code)
    with pytest.raises(ValidationError):
        order_receive(integration=hotline, data=data)


def test_the_order_list_costs_the_same_for_many_orders(tree, hotline, django_assert_max_num_queries):
    client = client_for(hotline)
    for n in range(12):
        client.post(URL, order(tree, external_id=f"GD-{n}"), format="json")
    with django_assert_max_num_queries(8):
        assert len(client.get(URL).json()["results"]) == 12


@pytest.mark.parametrize("when", ["0366-05-19T20:12:16+01:34", "9999-12-31T23:30:00Z"])
def test_times_outside_2000_to_2099_are_refused_per_field(tree, hotline, when):
    # Found by the keyed schemathesis run: year 366 was answered in local mean time (+08:05:43).
    client = client_for(hotline)
    for field in ("received_at", "due_at"):
        response = client.post(URL, order(tree, **{field: when}), format="json")
        assert response.status_code == 400
        assert list(response.json()["fields"]) == [field]
    assert not HotlineOrder.objects.exists()
