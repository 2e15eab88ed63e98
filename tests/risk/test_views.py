import pytest
import time_machine
from django.test import Client

from risk import services
from risk.models import RiskSettings, RiskWarning

from .conftest import NOW

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_it_shows_why_a_grid_is_red_hotspots_and_warnings(fixture_district, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    tree = fixture_district
    services.settings_update(district=tree.district, actor=tree.users["centre"], yellow_at=5, red_at=10)
    with time_machine.travel(NOW, tick=False):
        services.risk_recompute(district=tree.district)
    page = _client(tree.users["community"]).get("/risk/").content.decode()
    assert tree.grids[0].name in page and tree.grids[5].name not in page
    assert "案件构成" in page and "5 × 1 = 5" in page  # the component, its value, weight and points
    assert "东门" in page  # the hotspot's cases
    assert "同一地点反复报告" in page
    assert "/risk/settings/" not in page  # the centre's links only


def test_it_lets_the_centre_change_weights_with_messages_next_to_the_fields(fixture_district, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    tree = fixture_district
    client = _client(tree.users["centre"])
    url = f"/risk/settings/{tree.district.code}/"
    form = client.get(url)
    assert form.status_code == 200 and "w_overdue" in form.content.decode()
    data = dict(form.context["form"].initial)
    bad = client.post(url, {**data, "yellow_at": "30", "red_at": "10"})
    assert bad.status_code == 200 and "红色阈值" in bad.content.decode()
    assert client.post(url, {**data, "w_overdue": "7"}).status_code == 302
    assert RiskSettings.objects.get(district=tree.district).weights["overdue"] == 7
    assert _client(tree.users["street"]).get(url).status_code == 404


def test_it_closes_a_warning_from_the_page(fixture_district):
    tree = fixture_district
    with time_machine.travel(NOW, tick=False):
        _client(tree.users["centre"]).post(f"/risk/settings/{tree.district.code}/recompute/")
    warning = RiskWarning.objects.get(rule="repeated_place")
    client = _client(tree.users["community"])
    client.post(f"/risk/warnings/{warning.pk}/close/", {"outcome": ""})
    assert RiskWarning.objects.get(pk=warning.pk).status == "open"
    client.post(f"/risk/warnings/{warning.pk}/close/", {"outcome": "已清理"})
    assert RiskWarning.objects.get(pk=warning.pk).status == "closed"
    assert (
        _client(tree.users["community_b"]).post(f"/risk/warnings/{warning.pk}/acknowledge/").status_code
        == 404
    )
