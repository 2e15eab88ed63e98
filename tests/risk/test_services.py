import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from risk import services
from risk.models import Hotspot, RiskScore, RiskWarning, RiskWarningEvent, WarningRule
from risk.sweep import risk_daily

from .conftest import NOW

pytestmark = pytest.mark.django_db


def _parts(score):
    return {p["key"]: (p["value"], p["weight"], p["points"]) for p in score.components}


def test_it_scores_each_grid_from_its_components_by_hand(fixture_district):
    tree = fixture_district
    with time_machine.travel(NOW, tick=False):
        summary = services.risk_recompute(district=tree.district, actor=tree.users["centre"])
    assert summary["grids"] == 8 and summary["hotspots"] == 1
    g0 = RiskScore.objects.get(area=tree.grids[0])
    # case mix 3+1+1 = 5 (×1), recurrence 3−1 = 2 (×2), overdue 1 (×3), rework 2 (×2): 5+4+3+4 = 16.
    assert _parts(g0) == {
        "case_mix": (5, 1, 5),
        "recurrence": (2, 2, 4),
        "overdue": (1, 3, 3),
        "reworked": (2, 2, 4),
        "special_visits": (0, 2, 0),
        "sensor_alerts": (0, 1, 0),
    }
    assert g0.score == 16 and g0.level == "green"
    assert RiskScore.objects.get(area=tree.grids[1]).score == 2  # one overdue visit task × 2
    assert RiskScore.objects.get(area=tree.grids[5]).score == 1  # the 40-day-old case is outside the window
    assert RiskScore.objects.get(area=tree.grids[7]).score == 0


def test_it_weighs_by_the_districts_settings_and_levels_by_its_thresholds(fixture_district):
    tree = fixture_district
    services.settings_update(
        district=tree.district, actor=tree.users["centre"], weights={"overdue": 10}, yellow_at=1, red_at=20
    )
    with time_machine.travel(NOW, tick=False):
        services.risk_recompute(district=tree.district)
    g0 = RiskScore.objects.get(area=tree.grids[0])
    assert g0.score == 5 + 4 + 10 + 4 and g0.level == "red"
    assert RiskScore.objects.get(area=tree.grids[5]).level == "yellow"
    assert RiskScore.objects.get(area=tree.grids[7]).level == "green"


def test_it_refuses_bad_settings_field_by_field_and_strangers(fixture_district):
    tree = fixture_district
    with pytest.raises(ValidationError) as err:
        services.settings_update(
            district=tree.district,
            actor=tree.users["centre"],
            weights={"nope": 1, "overdue": -2},
            yellow_at=9,
            red_at=5,
        )
    assert set(err.value.message_dict) == {"weights", "red_at"}
    with pytest.raises(PermissionDenied):
        services.settings_update(district=tree.district, actor=tree.users["street"], yellow_at=1)
    with pytest.raises(PermissionDenied):
        services.risk_recompute(district=tree.district, actor=tree.users["community"])


def test_it_lists_the_hotspot_with_its_cases_and_opens_one_warning_per_pattern(fixture_district):
    tree = fixture_district
    with time_machine.travel(NOW, tick=False):
        services.risk_recompute(district=tree.district)
        services.risk_recompute(district=tree.district)  # again: same day, nothing doubled
    spot = Hotspot.objects.get()
    assert spot.case_count == 3 and spot.cases.count() == 3 and spot.area == tree.grids[0]
    rules = sorted(RiskWarning.objects.values_list("rule", flat=True))
    assert rules == [WarningRule.REPEATED_PLACE, WarningRule.VISIT_OVERDUE]
    visit = RiskWarning.objects.get(rule=WarningRule.VISIT_OVERDUE)
    assert visit.area_code.startswith(tree.grids[1].code) and "10" in visit.reason
    assert RiskWarningEvent.objects.count() == 2


def test_it_does_not_warn_a_visit_within_the_grace_days(fixture_district):
    tree = fixture_district
    services.settings_update(district=tree.district, actor=tree.users["centre"], visit_grace_days=10)
    with time_machine.travel(NOW, tick=False):
        services.risk_recompute(district=tree.district)
    assert not RiskWarning.objects.filter(rule=WarningRule.VISIT_OVERDUE).exists()


def test_it_warns_of_a_category_rising_above_its_baseline(tree):
    from .conftest import case_at

    for i in range(5):  # 5 this week, spread over the street's 4 grids so no hotspot forms
        case_at(tree, "01002", grid=i % 4, days_ago=1 + i)
    case_at(tree, "01002", grid=3, days_ago=10)  # baseline: 1 in 4 weeks = 0.25 a week
    with time_machine.travel(NOW, tick=False):
        services.risk_recompute(district=tree.district)
    rising = RiskWarning.objects.get(rule=WarningRule.CATEGORY_RISING)
    assert rising.area_code == tree.streets[0].code
    assert rising.facts["recent"] == 5 and rising.facts["baseline"] == "0.2"
    assert not RiskWarning.objects.filter(rule=WarningRule.REPEATED_PLACE).exists()


def test_it_acknowledges_and_closes_a_warning_with_an_outcome(fixture_district):
    tree = fixture_district
    with time_machine.travel(NOW, tick=False):
        services.risk_recompute(district=tree.district)
    warning = RiskWarning.objects.get(rule=WarningRule.REPEATED_PLACE)
    with pytest.raises(PermissionDenied):
        services.warning_acknowledge(warning_id=warning.pk, actor=tree.users["community_b"])
    services.warning_acknowledge(warning_id=warning.pk, actor=tree.users["community"])
    with pytest.raises(ValidationError):
        services.warning_close(warning_id=warning.pk, actor=tree.users["community"], outcome="  ")
    closed = services.warning_close(
        warning_id=warning.pk, actor=tree.users["community"], outcome="已清理并加装围挡"
    )
    assert closed.status == "closed" and closed.outcome == "已清理并加装围挡"
    assert list(warning.events.values_list("kind", flat=True)) == ["opened", "acknowledged", "closed"]
    with time_machine.travel(
        NOW, tick=False
    ):  # the pattern persists: a new warning, the old one stays closed
        services.risk_recompute(district=tree.district)
    assert RiskWarning.objects.filter(rule=WarningRule.REPEATED_PLACE).count() == 2


def test_the_sweep_step_computes_each_district_once_a_day(fixture_district):
    with time_machine.travel(NOW, tick=False):
        assert risk_daily() == 1
        assert risk_daily() == 0
    assert RiskScore.objects.count() == 8
