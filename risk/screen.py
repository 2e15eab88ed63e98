"""The big screen's panels (大屏, 一张图): each a function ``panel(user, roots, now) -> dict`` read by one
JSON endpoint of its own, so one panel that fails leaves the others working (the page says which failed).

``roots`` are the area codes the viewer watches: the district centre's districts, a street's street.
Every panel is a constant number of grouped queries over indexed columns, whatever the number of grids
and cases (bench/bench_screen.py); the counts and lists the command map already has come from it.
"""

import hashlib
from collections import Counter
from datetime import datetime, time, timedelta

from django.core.cache import cache
from django.db.models import Count, Exists, F, Max, OuterRef, Q
from django.db.models.functions import Substr, TruncDate
from django.utils import timezone

from cases.models import Case, CloseType
from cases.workflow import OPEN, Status
from command.models import PatrolLast
from command.selectors import board
from command.selectors.patrol import ACTIVE_MINUTES
from duty.selectors import on_duty
from grids.models import CODE_LENGTH, Area, Level, Membership, Role
from grids.scope import area_roots, prefix_q, reach
from residents.models import Household, Person, PersonTag
from tasks.models import Assignment, Task

from .models import Hotspot, RiskScore, RiskWarning

SCREEN_ROLES = (Role.DISTRICT_CENTRE, Role.STREET_STAFF)
GRID_LEN = CODE_LENGTH[Level.GRID]
TREND_DAYS = 30
# "Today / this month by step": each step's time has an index of its own (cases 0013, partial, with the
# area code included), so each step is one index range count, whatever the table's size.
STEPS = ("reported_at", "filed_at", "dispatched_at", "handled_at")
STEPS_SHORT = [field[:-3] for field in STEPS]
LIVE_LIMIT = 300
LIST_LIMIT = 8
DUTY_LIMIT = 40
# Every screen watching the same areas shares each panel's figures for this long (they poll every 30 s):
# N screens cost one computation per panel per slot.
PANEL_CACHE_SECONDS = 15
live_cache = cache  # the panels' shared cache (bench/bench_screen.py swaps it to measure the work itself)


def screen_roots(user) -> list[str]:
    """What the viewer watches on the big screen; empty: no big screen (centre and street staff only)."""
    r = reach(user)
    if r.is_superuser:
        return list(Area.objects.filter(level=Level.DISTRICT, is_active=True).values_list("code", flat=True))
    return area_roots(r.codes(SCREEN_ROLES))


def page_roots(user) -> list[str]:
    """What the viewer's panels on ordinary pages cover: the areas the viewer watches on the command map
    (a community's staff their community, a grid leader their grid); empty: no panels."""
    r = reach(user)
    if r.is_superuser:
        return list(Area.objects.filter(level=Level.DISTRICT, is_active=True).values_list("code", flat=True))
    return area_roots(r.codes(PAGE_ROLES))


def _midnight(now):
    local = timezone.localtime(now)
    return timezone.make_aware(datetime.combine(local.date(), time.min), local.tzinfo)


def _cases(roots):
    return Case.objects.filter(prefix_q("area_code", roots))


def _closed(roots):
    return _cases(roots).filter(status__in=[Status.CLOSED, Status.EVALUATED])


def _finished_days(kind, roots, now, compute):
    """``compute(roots, today)``: the figures of the finished days, computed once a day per set of roots
    (cached until midnight, shared by every screen of the same areas). The sweep computes them ahead for
    every district and street (``finished_days_warm``), so no screen pays them on its first refresh."""
    today = _midnight(now)
    key = _day_key(kind, roots, today)
    found = cache.get(key)
    if found is None:
        found = compute(roots, today)
        cache.set(key, found, _until_midnight(now))
    return found


def _month_before(count):
    """This month up to ``today`` (a Counter), for ``_finished_days``."""

    def compute(roots, today):
        month = today.replace(day=1)
        return count(roots, month, today) if today > month else Counter()

    return compute


def _month_so_far(kind, roots, now, count) -> Counter:
    """``count(roots, since, until)`` (a Counter) over this month: the finished days once a day, today's on
    every computation."""
    before = _finished_days(kind, roots, now, _month_before(count))
    return before + count(roots, _midnight(now), now + timedelta(seconds=1))


def _names(codes) -> dict:
    return dict(Area.objects.filter(code__in=set(codes)).values_list("code", "name"))


def _day_key(kind, roots, day) -> str:
    """A cache key per set of roots and day: the finished days' figures never change, so they are computed
    once a day and every screen watching the same area shares them."""
    digest = hashlib.sha1(",".join(roots).encode()).hexdigest()[:16]
    return f"screen:{kind}:{digest}:{day.isoformat()}"


def _until_midnight(now) -> int:
    return max(60, int((_midnight(now) + timedelta(days=1) - now).total_seconds()))


def _step_counts(roots, since, until) -> dict:
    """Cases that reached each step in [since, until): one range count per step, each off its own index."""
    return {
        field[:-3]: _cases(roots).filter(**{f"{field}__gte": since, f"{field}__lt": until}).count()
        for field in STEPS
    }


def _steps_before(roots, today) -> dict:
    """This month's steps and closings up to ``today`` (last midnight)."""
    month = today.replace(day=1)
    if today <= month:
        return dict.fromkeys([*STEPS_SHORT, "closed"], 0)
    before = _step_counts(roots, month, today)
    before["closed"] = _closed(roots).filter(closed_at__gte=month, closed_at__lt=today).count()
    return before


def counts(user, roots, now) -> dict:
    """Open / warning / overdue / supervised now, and today's and this month's counts by step. The month up
    to last midnight is computed once a day (cached until midnight); today's part on every refresh."""
    today = _midnight(now)
    before = _finished_days("steps", roots, now, _steps_before)
    live = _step_counts(roots, today, now + timedelta(seconds=1))
    found = {f"{k}_today": live[k] for k in STEPS_SHORT} | {
        f"{k}_month": before[k] + live[k] for k in STEPS_SHORT
    }
    found["closed_today"] = _closed(roots).filter(closed_at__gte=today).count()
    found["closed_month"] = before["closed"] + found["closed_today"]
    # The open figures are the sums of the command map's per-grid load (shared with the map panel for 15 s):
    # every open case counts in exactly one group, so one pass over the open cases serves both panels.
    load = board.grid_load(user, roots).values()
    now_counts = {k: sum(g[k] for g in load) for k in ("open", "warning", "overdue", "supervised")}
    return {"now": now_counts, "steps": found}


def _case_row(case, now):
    return {
        "id": case.pk,
        "number": case.number,
        "title": case.title,
        "area": case.area.name,
        "category": case.category.name,
        "late_hours": round(case.late.total_seconds() / 3600, 1) if case.late else None,
    }


def lists(user, roots, now) -> dict:
    """The most overdue and the supervised (督办) open cases."""
    return {
        "overdue": [_case_row(c, now) for c in board.overdue_cases(user, roots, limit=LIST_LIMIT)],
        "supervised": [_case_row(c, now) for c in board.supervised_cases(user, roots, limit=LIST_LIMIT)],
    }


def _per_day(roots, since, until) -> tuple[dict, dict]:
    tz = timezone.get_current_timezone()
    reported = dict(
        _cases(roots)
        .filter(reported_at__gte=since, reported_at__lt=until)
        .annotate(d=TruncDate("reported_at", tzinfo=tz))
        .values("d")
        .annotate(n=Count("id"))
        .values_list("d", "n")
    )
    closed = dict(
        _cases(roots)
        .filter(closed_at__gte=since, closed_at__lt=until, status__in=[Status.CLOSED, Status.EVALUATED])
        .annotate(d=TruncDate("closed_at", tzinfo=tz))
        .values("d")
        .annotate(n=Count("id"))
        .values_list("d", "n")
    )
    return reported, closed


def _trend_before(roots, today) -> tuple[dict, dict]:
    return _per_day(roots, today - timedelta(days=TREND_DAYS - 1), today)


def trend(user, roots, now) -> dict:
    """Cases reported and closed per day over the last 30 days (Beijing days); the 29 finished days are
    computed once a day (cached until midnight), today on every refresh."""
    tz = timezone.get_current_timezone()
    today = _midnight(now)
    start = today - timedelta(days=TREND_DAYS - 1)
    past = _finished_days("trend", roots, now, _trend_before)
    live = _per_day(roots, today, now + timedelta(seconds=1))
    reported, closed = {**past[0], **live[0]}, {**past[1], **live[1]}
    days = [(start + timedelta(days=i)).astimezone(tz).date() for i in range(TREND_DAYS)]
    return {
        "days": [
            {"day": d.isoformat(), "reported": reported.get(d, 0), "closed": closed.get(d, 0)} for d in days
        ]
    }


def _category_count(roots, since, until) -> Counter:
    return Counter(
        dict(
            _cases(roots)
            .filter(reported_at__gte=since, reported_at__lt=until)
            .values("category__name")
            .annotate(n=Count("id"))
            .order_by()
            .values_list("category__name", "n")
        )
    )


def categories(user, roots, now) -> dict:
    """The month's most reported categories (the finished days once a day, today on every computation)."""
    rows = sorted(
        _month_so_far("categories", roots, now, _category_count).items(), key=lambda r: (-r[1], r[0])
    )[:8]
    return {"top": [{"name": name, "count": n} for name, n in rows]}


def _on_time_count(roots, since, until) -> Counter:
    """Cases closed normally in [since, until), per grid."""
    return Counter(
        dict(
            _closed(roots)
            .filter(closed_at__gte=since, closed_at__lt=until, close_type=CloseType.NORMAL)
            .annotate(g=Substr("area_code", 1, GRID_LEN))
            .values("g")
            .annotate(n=Count("id"))
            .order_by()
            .values_list("g", "n")
        )
    )


def ranking(user, roots, now) -> dict:
    """红黑榜: the black list is the grids of highest risk on the latest day; the red list the grids that
    closed most cases on time this month (the finished days once a day, today on every computation)."""
    day = RiskScore.objects.filter(prefix_q("area_code", roots)).aggregate(d=Max("day"))["d"]
    black = (
        RiskScore.objects.filter(prefix_q("area_code", roots), day=day).order_by("-score", "area_code")[:5]
        if day
        else []
    )
    by_grid = _month_so_far("red", roots, now, _on_time_count)
    red = [{"g": g, "n": n} for g, n in sorted(by_grid.items(), key=lambda r: (-r[1], r[0]))[:5]]
    names = _names([s.area_code for s in black] + [r["g"] for r in red])
    return {
        "black": [
            {
                "code": s.area_code,
                "name": names.get(s.area_code, s.area_code),
                "score": float(s.score),
                "level": s.level,
            }
            for s in black
        ],
        "red": [{"code": r["g"], "name": names.get(r["g"], r["g"]), "closed": r["n"]} for r in red],
    }


def residents(user, roots, now) -> dict:
    """Households, residents by registration, and the special groups' members (sensitive groups as one
    number: a wall display is read by everyone in the room)."""
    areas = Area.objects.filter(prefix_q("code", roots)).values("id")
    persons = Person.objects.filter(area__in=areas, status=Person.Status.RESIDENT).aggregate(
        total=Count("id"),
        registered=Count("id", filter=Q(residence_type=Person.ResidenceType.REGISTERED)),
        floating=Count("id", filter=Q(residence_type=Person.ResidenceType.FLOATING)),
        foreign=Count("id", filter=Q(residence_type=Person.ResidenceType.FOREIGN)),
    )
    households = Household.objects.filter(area__in=areas).count()
    tags = (
        PersonTag.objects.filter(area__in=areas, ended_on__isnull=True)
        .values("tag__code", "tag__name", "tag__sensitivity")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    groups, sensitive = [], 0
    for t in tags:
        if t["tag__sensitivity"] == "sensitive":
            sensitive += t["n"]
        else:
            groups.append({"name": t["tag__name"], "count": t["n"]})
    return {"households": households, "persons": persons, "groups": groups, "sensitive": sensitive}


def tasks(user, roots, now) -> dict:
    """Tasks and campaigns in progress with an assignment here: how many grids have submitted."""
    done = [Assignment.Status.SUBMITTED, Assignment.Status.ACCEPTED]
    rows = (
        Assignment.objects.filter(prefix_q("area_code", roots), task__status=Task.Status.OPEN)
        .values("task_id", "task__title", "task__deadline")
        .annotate(total=Count("id"), done=Count("id", filter=Q(status__in=done)))
        .order_by("task__deadline", "task_id")
    )
    rows = list(rows)
    return {
        "open": len(rows),
        "top": [
            {
                "title": r["task__title"],
                "deadline": timezone.localtime(r["task__deadline"]).date().isoformat(),
                "done": r["done"],
                "total": r["total"],
                "late": r["task__deadline"] < now and r["done"] < r["total"],
            }
            for r in rows[:LIST_LIMIT]
        ],
    }


def map_layer(user, roots, now) -> dict:
    """Per grid: its risk level and score (latest day) and its open load; the live cases (newest and most
    overdue first, bounded); the hotspots; the open warnings count."""
    day = RiskScore.objects.filter(prefix_q("area_code", roots)).aggregate(d=Max("day"))["d"]
    risk = {
        code: [level, float(score)]
        for code, level, score in RiskScore.objects.filter(prefix_q("area_code", roots), day=day).values_list(
            "area_code", "level", "score"
        )
    }
    load = board.grid_load_body(user, roots)
    live = (
        _cases(roots)
        .filter(status__in=OPEN, lat__isnull=False)
        .order_by(F("alert").desc(), "-id")
        .values_list("id", "lat", "lon", "alert", "is_supervised")[:LIVE_LIMIT]
    )
    spot_day = Hotspot.objects.filter(prefix_q("area_code", roots)).aggregate(d=Max("day"))["d"]
    spots = Hotspot.objects.filter(prefix_q("area_code", roots), day=spot_day).values_list(
        "lat", "lon", "case_count", "category__name"
    )
    return {
        "risk_day": day.isoformat() if day else None,
        "risk": risk,
        "load": {code: row["open"] for code, row in load["load"].items()},
        "max_open": load["max_open"],
        "cases": [[i, lat, lon, alert or "", sup] for i, lat, lon, alert, sup in live],
        "hotspots": [[lat, lon, n, name] for lat, lon, n, name in spots],
        "warnings": RiskWarning.objects.filter(
            prefix_q("area_code", roots), status=RiskWarning.Status.OPEN
        ).count(),
        "patrol": patrol(user, roots, now),
    }


def masked_name(name: str) -> str:
    """A worker's name as a room may read it: the first character, the rest starred (张** for 张三丰)."""
    name = (name or "").strip()
    return name[:1] + "*" * min(max(len(name) - 1, 1), 3) if name else "*"


def patrol(user, roots, now) -> dict:
    """Grid workers on patrol now: those whose grid-worker membership lies under the roots (the team the
    viewer answers for, as the command map scopes them) and whose last position is younger than
    ``ACTIVE_MINUTES``; how many, and the newest ``LIVE_LIMIT`` points with masked names."""
    # The few recent positions first (their time's index), each then checked for a membership under the
    # roots (EXISTS per row): an IN over every worker membership of the district cost 60 ms with none.
    team = Membership.objects.filter(
        prefix_q("area__code", roots),
        user_id=OuterRef("user_id"),
        role=Role.GRID_WORKER,
        is_active=True,
        area__is_active=True,
    )
    active = PatrolLast.objects.filter(recorded_at__gte=now - timedelta(minutes=ACTIVE_MINUTES)).filter(
        Exists(team)
    )
    rows = active.order_by("-recorded_at").values_list(
        "lat", "lon", "recorded_at", "user__display_name", "user__username"
    )[:LIVE_LIMIT]
    return {
        "minutes": ACTIVE_MINUTES,
        "count": active.count(),
        "points": [
            [lat, lon, masked_name(display or username), int((now - at).total_seconds() // 60)]
            for lat, lon, at, display, username in rows
        ],
    }


def duty(user, roots, now) -> dict:
    """Who is on duty now in the units under the roots (published shifts; duty.selectors.on_duty), by unit:
    the shift leader first. No phone numbers: a wall display is read by everyone in the room."""
    units: dict[str, dict] = {}
    for shift in on_duty(user, at=now).filter(prefix_q("unit_code", roots))[:DUTY_LIMIT]:
        unit = units.setdefault(shift.unit_code, {"unit": shift.roster.unit.name, "people": []})
        unit["people"].append(
            {"name": str(shift.person), "post": shift.get_post_display(), "kind": shift.get_kind_display()}
        )
    return {"units": list(units.values())}


PANELS = {
    "map": map_layer,
    "counts": counts,
    "lists": lists,
    "trend": trend,
    "categories": categories,
    "ranking": ranking,
    "residents": residents,
    "tasks": tasks,
    "duty": duty,
}
# On ordinary pages (light theme, /risk/panels/<name>/): the screen's panels but the map, whose patrol
# layer stands alone there (the command map is the page's map).
PAGE_PANELS = {**{k: v for k, v in PANELS.items() if k != "map"}, "patrol": patrol}
# Whoever has the command map has its panels, over the same areas (a community's staff: its community).
PAGE_ROLES = board.MAP_ROLES


FINISHED_DAYS = (
    ("steps", _steps_before),
    ("trend", _trend_before),
    ("categories", _month_before(_category_count)),
    ("red", _month_before(_on_time_count)),
)


def finished_days_warm(roots, now) -> bool:
    """Compute the finished days' figures of ``roots`` for today unless already cached: what made the first
    refresh of the day slow (the month's steps, the 30-day trend, categories, red list). False when they
    were all there."""
    today = _midnight(now)
    missing = [(kind, fn) for kind, fn in FINISHED_DAYS if cache.get(_day_key(kind, roots, today)) is None]
    for kind, fn in missing:
        _finished_days(kind, roots, now, fn)
    return bool(missing)


def panel_data(panel, user, roots, now, panels=PANELS) -> tuple[datetime, dict]:
    """(when computed, one panel's figures), shared by every screen watching the same roots for
    ``PANEL_CACHE_SECONDS``.

    Sharing is safe for the same reason as the command map's live counts: every figure is cut to the roots'
    subtrees, which lie inside the case scope of every user whose screen roots they are."""
    digest = hashlib.sha1(",".join(roots).encode()).hexdigest()[:16]
    slot = int(now.timestamp()) // PANEL_CACHE_SECONDS
    key = f"screen:panel:{panel}:{digest}:{slot}"
    found = live_cache.get(key)
    if found is None:
        found = (now, panels[panel](user, roots, now))
        live_cache.set(key, found, PANEL_CACHE_SECONDS)
    return found
