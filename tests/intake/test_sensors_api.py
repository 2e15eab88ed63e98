"""Sensor alerts: the first opens a case, repeats within the window join it, retries count once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases import services
from cases.models import Case, CaseEvent
from intake.models import SensorAlert, SensorDevice

from .conftest import client_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/intake/sensors/alerts/"


def alert(tree, minutes=0, **overrides):
    grid = tree.grids[0]
    at = timezone.now().replace(microsecond=0) + timedelta(minutes=minutes)
    return {
        "device_id": "BIN-0042",
        "alert_type": "bin_full",
        "lat": grid.centroid_lat,
        "lon": grid.centroid_lon,
        "occurred_at": at.isoformat(),
        **overrides,
    }


def test_the_first_alert_opens_a_case_and_registers_the_device(tree, sensor_platform):
    response = client_for(sensor_platform).post(URL, alert(tree, payload={"fill": 97}), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["opened_case"] is True
    case = Case.objects.get()
    assert (case.source, case.reporter, case.area) == ("sensor", sensor_platform.user, tree.grids[0])
    device = SensorDevice.objects.get()
    assert (device.device_id, device.lat) == ("BIN-0042", tree.grids[0].centroid_lat)


def test_repeats_within_the_window_join_the_open_case(tree, sensor_platform):
    client = client_for(sensor_platform)
    client.post(URL, alert(tree), format="json")
    second = client.post(URL, alert(tree, minutes=20), format="json").json()
    third = client.post(
        URL, alert(tree, minutes=45, lat=None, lon=None), format="json"
    ).json()  # device's place
    assert (second["opened_case"], third["opened_case"]) == (False, False)
    assert third["alert_count"] == 3
    case = Case.objects.get()
    assert SensorAlert.objects.filter(case=case).count() == 3
    assert CaseEvent.objects.filter(case=case, kind="sensor_alert").count() == 2


def test_an_alert_after_the_window_opens_a_new_case(tree, sensor_platform):
    client = client_for(sensor_platform)
    client.post(URL, alert(tree), format="json")
    later = client.post(URL, alert(tree, minutes=31), format="json").json()
    assert later["opened_case"] is True
    assert Case.objects.count() == 2


def test_an_alert_after_the_case_closed_opens_a_new_case(tree, sensor_platform):
    client = client_for(sensor_platform)
    client.post(URL, alert(tree), format="json")
    case = Case.objects.get()
    services.case_void(case_id=case.pk, actor=tree.users["community"], reason="误报")
    assert client.post(URL, alert(tree, minutes=5), format="json").json()["opened_case"] is True


def test_other_devices_and_alert_types_keep_their_own_cases(tree, sensor_platform, rubbish):
    from intake.models import SensorAlertRule

    SensorAlertRule.objects.create(
        integration=sensor_platform, alert_type="bin_fire", category=rubbish, urgency="urgent"
    )
    client = client_for(sensor_platform)
    client.post(URL, alert(tree), format="json")
    client.post(URL, alert(tree, device_id="BIN-0043"), format="json")
    client.post(URL, alert(tree, alert_type="bin_fire"), format="json")
    assert Case.objects.count() == 3
    assert Case.objects.filter(urgency="urgent").count() == 1


def test_a_retried_alert_is_recorded_once(tree, sensor_platform):
    client = client_for(sensor_platform)
    first = client.post(URL, alert(tree, alert_id="a-1"), format="json")
    again = client.post(URL, alert(tree, alert_id="a-1"), format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["replay"] is True
    assert SensorAlert.objects.count() == 1 and Case.objects.count() == 1


def test_unknown_alert_types_and_unplaced_devices_are_refused(tree, sensor_platform):
    client = client_for(sensor_platform)
    unknown = client.post(URL, alert(tree, alert_type="smoke"), format="json")
    assert unknown.status_code == 400 and "alert_type" in unknown.json()["fields"]
    unplaced = client.post(URL, alert(tree, device_id="NEW-1", lat=None, lon=None), format="json")
    assert unplaced.status_code == 400 and "lat" in unplaced.json()["fields"]
    assert Case.objects.count() == 0


def test_only_sensor_keys_get_in(tree, sensor_platform, hotline):
    assert client_for(hotline).post(URL, alert(tree), format="json").status_code == 401
