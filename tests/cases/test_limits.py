"""The catalogue kept in memory: what reports look their category up in."""

import pytest
from django.contrib.admin.sites import site

from cases.admin import CategoryAdmin
from cases.limits import active_category
from cases.models import Category

pytestmark = pytest.mark.django_db


def test_it_hands_out_copies_of_active_categories(rubbish):
    first, second = active_category("01001"), active_category("01001")
    assert first == rubbish and first is not second
    assert active_category("nope") is None


def test_a_category_retired_in_the_admin_is_gone_at_once(rubbish, rf):
    assert active_category("01001") is not None  # loaded into memory
    CategoryAdmin(Category, site).retire(rf.post("/"), Category.objects.filter(code="01001"))
    assert active_category("01001") is None
    assert not Category.objects.get(code="01001").is_active
