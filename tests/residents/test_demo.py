import datetime as dt
import io
import time

import pytest
from django.db.models import Count

from grids.demo import build_district
from residents import demo, idcard
from residents.crypto import decrypt
from residents.models import Household, Person, PersonTag, Place, Visit, VisitTask
from residents.visits import coverage_by_area, coverage_total

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_district():
    return build_district(grids=12, seed=7).district


def test_the_demo_register_fills_every_comprehensive_grid_with_valid_synthetic_people(
    demo_district, django_user_model
):
    out = io.StringIO()
    started = time.monotonic()
    demo.load(district=demo_district, seed=7, stdout=out, households_per_grid=20)
    assert time.monotonic() - started < 20
    assert "persons" in out.getvalue()
    assert Household.objects.count() > 100 and Person.objects.count() > 250
    for person in Person.objects.filter(id_type="resident_id")[:200]:
        number = decrypt(person.id_cipher)
        assert idcard.normalize(number) == number and number.startswith(demo_district.code)
        assert person.birth_date == idcard.birth_date(number)
    assert Person.objects.values("id_hash").annotate(n=Count("id")).filter(n__gt=1).count() == 0
    assert PersonTag.objects.exists() and Place.objects.exists()
    assert Visit.objects.filter(household__isnull=False).exists() and VisitTask.objects.exists()
    root = django_user_model.objects.filter(is_superuser=True).first()
    from django.utils import timezone

    last_month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    total = coverage_total(coverage_by_area(root, month=last_month))
    assert 60 <= total.rate <= 100


def test_the_demo_is_deterministic_for_a_seed(demo_district):
    demo.load(district=demo_district, seed=7, stdout=io.StringIO(), households_per_grid=6)
    names = list(Person.objects.order_by("id").values_list("name", "id_mask"))
    demo.clear(district=demo_district)
    demo.load(district=demo_district, seed=7, stdout=io.StringIO(), households_per_grid=6)
    assert list(Person.objects.order_by("id").values_list("name", "id_mask")) == names


def test_clear_removes_the_register_so_the_tree_can_go(demo_district):
    from grids.models import Area
    from residents.models import Building

    demo.load(district=demo_district, seed=7, stdout=io.StringIO(), households_per_grid=4)
    demo.clear(district=demo_district)
    assert not Person.objects.exists() and not Building.objects.exists() and not Visit.objects.exists()
    Area.objects.filter(level="microgrid").delete()  # nothing of the register protects the areas any more
