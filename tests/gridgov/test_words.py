from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from gridgov.words import duration_words, limit_words, number_words, overdue_since, overdue_words


@pytest.mark.parametrize(
    ("length", "zh"),
    [
        (timedelta(days=160), "5 个月"),
        (timedelta(days=400), "1 年"),
        (timedelta(days=10), "10 天"),
        (timedelta(days=2, hours=5), "2 天 5 小时"),
        (timedelta(hours=3, minutes=7), "3 小时 7 分钟"),
        (timedelta(seconds=20), "1 分钟"),
    ],
)
def test_it_says_a_duration_in_its_largest_unit(length, zh):
    with translation.override("zh-hans"):
        assert duration_words(length) == zh


def test_it_says_overdue_in_chinese_and_english():
    with translation.override("zh-hans"):
        assert overdue_words(timedelta(days=160)) == "超期 5 个月"
    with translation.override("en"):
        assert overdue_words(timedelta(days=1)) == "1 day overdue"


def test_it_drops_trailing_zeros():
    assert number_words(Decimal("2.00")) == "2"
    assert number_words(Decimal("1.50")) == "1.5"
    assert number_words(None) == ""


def test_it_offers_the_filters_to_templates():
    with translation.override("zh-hans"):
        out = Template("{% load words %}{{ late|overdue }}").render(Context({"late": timedelta(hours=2)}))
    assert out == "超期 2 小时"


@pytest.mark.parametrize(
    ("amount", "unit", "zh"),
    [
        (Decimal("2.00"), "working_days", "2 个工作日"),
        ("1.50", "working_hours", "1.5 个工作小时"),
        (24, "natural_hours", "24 小时"),
        (30, "natural_minutes", "30 分钟"),
        (3, "fortnights", "3"),
        (None, "working_days", ""),
    ],
)
def test_it_says_a_limit_with_its_unit(amount, unit, zh):
    with translation.override("zh-hans"):
        assert limit_words(amount, unit) == zh
        assert Template("{% load words %}{{ a|limit:u }}").render(Context({"a": amount, "u": unit})) == zh


def test_it_says_how_long_a_passed_deadline_is_overdue():
    now = datetime(2026, 12, 5, 12, tzinfo=UTC)
    with translation.override("zh-hans"):
        assert overdue_since(now - timedelta(days=150), now) == "超期 5 个月"
        assert overdue_since(now + timedelta(days=1), now) == ""
        assert overdue_since(None) == ""
