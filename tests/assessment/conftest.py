"""Cases driven through the real services at chosen times, then their evaluation records rebuilt.

The category 01001 暴露垃圾 (grid level): filing and dispatch 30 natural minutes, handling 4 working hours,
verification 2 working hours. Monday 2 March 2026 is an ordinary working day (08:30–12:00, 14:00–17:30):
a case dispatched at 09:00 must be handled by 15:00.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from assessment.records import record_rebuild
from cases import services
from cases.models import Category
from cases.services import case_report

SH = ZoneInfo("Asia/Shanghai")


def at(y, mo, d, h=0, mi=0, s=0):
    return datetime(y, mo, d, h, mi, s, tzinfo=SH)


def on(day, hh_mm: str):
    """Times on a day of March 2026: on(2, "09:10")."""
    h, m = (int(x) for x in hh_mm.split(":"))
    return at(2026, 3, day, h, m)


@pytest.fixture
def rubbish(catalogue):
    return Category.objects.get(code="01001")


class Story:
    """One case's life: each call runs a service at the given local time (March 2026)."""

    def __init__(self, tree, category, when, *, grid=0, source="patrol", reporter="worker", **kwargs):
        self.tree = tree
        g = tree.grids[grid]
        with time_machine.travel(when, tick=False):
            self.case = case_report(
                actor=tree.users[reporter] if reporter else None,
                category=category,
                title="东门垃圾",
                lat=g.centroid_lat,
                lon=g.centroid_lon,
                source=source,
                **kwargs,
            ).case

    def do(self, when, service, who, **kwargs):
        with time_machine.travel(when, tick=False):
            getattr(services, service)(
                case_id=self.case.pk, actor=self.tree.users[who] if who else None, **kwargs
            )
        return self

    def file(self, when, who="community"):
        return self.do(when, "case_file", who)

    def dispatch(self, when, who="community"):
        return self.do(when, "case_dispatch", who, department=self.tree.departments[0])

    def accept(self, when):
        return self.do(when, "case_accept", "handler")

    def feedback(self, when):
        return self.do(when, "case_feedback", "handler", result="已清理", photos=[_photo()])

    def verify(self, when, passed=True, who="leader"):
        return self.do(when, "case_verify", who, passed=passed, note="" if passed else "未清理干净")

    def close(self, when, who="community", **kw):
        return self.do(when, "case_close", who, **kw)

    def evaluate(self, when, satisfaction="satisfied"):
        return self.do(when, "case_evaluate", "community", satisfaction=satisfaction)

    def handled(self, day=2, dispatch="09:00", feedback="11:00"):
        """Filed 08:50, dispatched, accepted and fed back on the same day."""
        self.file(on(day, "08:50")).dispatch(on(day, dispatch)).accept(on(day, dispatch))
        return self.feedback(on(day, feedback))

    def loop(self, day=2, feedback="11:00", close="16:00"):
        """The whole loop on one day: filed 08:50, dispatched 09:00, handled, verified 11:30, closed."""
        return self.handled(day, feedback=feedback).verify(on(day, "11:30")).close(on(day, close))

    def record(self):
        return record_rebuild(self.case.pk)


def _photo():
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (20, 120, 40)).save(buffer, "JPEG")
    return SimpleUploadedFile("after.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def story(tree, rubbish):
    def make(when=None, **kwargs):
        return Story(tree, rubbish, when or on(2, "08:40"), **kwargs)

    return make


@pytest.fixture
def police(tree):
    from grids.models import Department, Role
    from tests.factories import make_user

    dept = Department.objects.create(code="GA", name="公安分局", area=tree.district)
    dept.covered_areas.add(tree.district)
    tree.users["officer"] = make_user("officer", Role.DEPARTMENT_HANDLER, tree.district, department=dept)
    return dept


AS_OF = at(2026, 3, 3, 12)


@pytest.fixture
def march(tree, rubbish, police):
    """Ten cases of March 2026 whose figures are computed by hand in test_report.py (as of 3 March 12:00).

    All reported Monday 2 March 08:40 in grid 0 by the grid worker (except no. 9) and filed 08:50:
      1 on time through, satisfied          2 handled late (16:00 > 15:00), verified late, basically satisfied
      3 reworked once, all in time           4 returned once, redispatched in time
      5 voided after filing                  6 suspended while handled
      7 open past its handling deadline (15:00), whistled: CG in time, GA late
      8 self-handled on the spot (not filed) 9 hotline, grid 5, by the centre, dissatisfied
     10 reported only
    """
    from dispatch import services as dispatch_services

    s = {}
    s[1] = Story(tree, rubbish, on(2, "08:40")).loop().evaluate(on(2, "16:10"))
    s[2] = (
        Story(tree, rubbish, on(2, "08:40"))
        .handled(feedback="16:00")
        .verify(on(3, "09:30"))
        .close(on(3, "09:40"))
        .evaluate(on(3, "09:50"), "basically_satisfied")
    )
    s[3] = (
        Story(tree, rubbish, on(2, "08:40"))
        .handled()
        .verify(on(2, "11:30"), passed=False)
        .feedback(on(2, "17:00"))
        .verify(on(2, "17:10"))
        .close(on(2, "17:20"))
    )
    s[4] = (
        Story(tree, rubbish, on(2, "08:40"))
        .file(on(2, "08:50"))
        .dispatch(on(2, "09:00"))
        .do(on(2, "09:10"), "case_return", "handler", reason="不属于本单位")
        .dispatch(on(2, "09:30"))
        .accept(on(2, "09:30"))
        .feedback(on(2, "11:00"))
        .verify(on(2, "11:30"))
        .close(on(2, "16:00"))
    )
    s[5] = (
        Story(tree, rubbish, on(2, "08:40"))
        .file(on(2, "08:50"))
        .do(on(2, "09:00"), "case_void", "centre", reason="误报")
    )
    s[6] = (
        Story(tree, rubbish, on(2, "08:40"))
        .file(on(2, "08:50"))
        .dispatch(on(2, "09:00"))
        .accept(on(2, "09:00"))
        .do(on(2, "10:00"), "case_suspend", "community", reason="待施工")
    )
    s[7] = (
        Story(tree, rubbish, on(2, "08:40"))
        .file(on(2, "08:50"))
        .dispatch(on(2, "09:00"))
        .accept(on(2, "09:00"))
    )
    whistle = dispatch_services.whistle_summon(
        case_id=s[7].case.pk,
        actor=tree.users["street"],
        departments=[tree.departments[0], police],
        reason="聚集",
        at=on(2, "09:30"),
    )
    calls = {c.department_id: c for c in whistle.calls.all()}
    dispatch_services.whistle_arrive(
        call_id=calls[tree.departments[0].pk].pk, actor=tree.users["handler"], at=on(2, "09:50")
    )
    dispatch_services.whistle_arrive(
        call_id=calls[police.pk].pk, actor=tree.users["officer"], at=on(2, "10:10")
    )
    s[8] = Story(tree, rubbish, on(2, "08:40"), self_handled_result="已清理", after_photos=[_photo()])
    nine = Story(tree, rubbish, on(2, "08:40"), grid=5, source="hotline", reporter="centre")
    nine.file(on(2, "08:50"), "centre").dispatch(on(2, "09:00"), "centre").accept(on(2, "09:00"))
    nine.feedback(on(2, "11:00")).verify(on(2, "11:30"), who="centre").close(on(2, "16:00"), who="centre")
    s[9] = nine.do(on(2, "16:10"), "case_evaluate", "centre", satisfaction="dissatisfied")
    s[10] = Story(tree, rubbish, on(2, "08:40"))
    from assessment.records import records_rebuild

    records_rebuild()
    return s
