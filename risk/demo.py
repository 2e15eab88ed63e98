"""Demo: places where one kind of problem keeps coming back (so the hotspots and the warnings have something
to show), the district centre's weights, and today's risk computation. Called by ``load_demo`` through
``grids.demo.load_app_demos`` (``DEMO_APPS``), after the case history; the cases go through
``cases.services.case_report`` and the computation through ``risk.services``, as the centre's would."""

import datetime as dt
import random

from django.utils import timezone

from cases.models import Category, Source
from cases.services import case_report
from grids.models import Area, Level, Membership, Role

from . import services

# (category code, title, address, how many reports, over how many days)
RECURRING = [
    ("01001", "小区东门垃圾堆放", "枫林路118号东门", 7, 20),
    ("04001", "早市占道经营", "桐梓坡路45号", 6, 14),
    ("03002", "夜间施工噪声扰民", "望月湖路9号工地", 5, 10),
    ("08001", "消防通道被车辆堵塞", "金星路233号", 4, 25),
    ("04003", "非机动车乱停放堵塞人行道", "含光路17号", 4, 12),
    ("01006", "露天焚烧落叶垃圾", "白鹭巷6号", 3, 18),
]


def _plain(categories):
    """The first category a report needs no extra field for."""
    return next((c for c in categories if not any(f.get("required") for f in c.fields)), None)


def _category(code, fallback):
    return _plain(Category.objects.filter(is_active=True, parent__isnull=False, code=code)) or fallback


def load(*, district, seed, stdout, **options):
    """``load_demo``'s hook."""
    rng = random.Random(seed + 21)
    now = timezone.now().replace(microsecond=0)
    centre = (
        Membership.objects.filter(is_active=True, role=Role.DISTRICT_CENTRE, area=district)
        .select_related("user")
        .first()
    )
    if centre is None:
        stdout.write("Risk: no district centre, nothing computed")
        return
    actor = centre.user
    fallback = _plain(Category.objects.filter(is_active=True, parent__isnull=False).order_by("code"))
    grids = list(
        Area.objects.subtree(district.code)
        .filter(level=Level.GRID, is_active=True, centroid_lat__isnull=False)
        .order_by("code")
    )
    made = 0
    for (code, title, address, count, days), grid in zip(RECURRING, rng.sample(grids, len(RECURRING))):
        category = _category(code, fallback)
        lat0 = grid.centroid_lat + rng.uniform(-0.0008, 0.0008)
        lon0 = grid.centroid_lon + rng.uniform(-0.0008, 0.0008)
        for i in range(count):
            case_report(
                actor=actor,
                category=category,
                title=title,
                lat=round(lat0 + rng.uniform(-0.00015, 0.00015), 6),
                lon=round(lon0 + rng.uniform(-0.00015, 0.00015), 6),
                address=address,
                urgency="urgent" if i == count - 1 else "normal",
                source=Source.CITIZEN if i % 2 else Source.PATROL,
                reporter_name="市民" if i % 2 else "",
                at=now - dt.timedelta(days=days * (count - i) / count, hours=rng.randint(1, 9)),
            )
            made += 1
    # The centre's weights for the demo district (what Changsha-like centres weigh most: overdue and
    # unvisited special groups), thresholds that make a few grids stand out, and a grace for visits
    # that leaves the demo's long-unvisited persons (not every one a week late) as warnings.
    services.settings_update(
        district=district,
        actor=actor,
        weights={"overdue": 4, "special_visits": 3},
        yellow_at=12,
        red_at=18,
        visit_grace_days=50,
    )
    summary = services.risk_recompute(district=district, actor=actor, now=now)
    stdout.write(
        f"Risk: {made} recurring reports, {summary['grids']} grids scored ({summary['red']} red, "
        f"{summary['yellow']} yellow), {summary['hotspots']} hotspots, {summary['warnings_opened']} warnings"
    )
