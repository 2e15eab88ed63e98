import pytest
from .conftest import on
pytestmark = pytest.mark.django_db

def test_loop(story):
    s = story().loop()
    r = s.record()
    print({k: v for k, v in r.__dict__.items() if not k.startswith("_")})
    from cases.models import CaseEvent
    for e in CaseEvent.objects.filter(case=s.case).order_by("seq"):
        print(e.kind, e.from_status, e.to_status, e.created_at, e.payload.get("clock"))
    assert 0
