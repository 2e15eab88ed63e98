"""The home page: each user's work at a glance — counts of the queues they work from, visits due, their
latest reports — whatever mix of roles they hold."""

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases.models import Case
from cases.selectors import cases_visible_to
from cases.views.queues import WORKER_ROLES, queue_counts, queues_for
from cases.views.report import case_status_labels
from duty import selectors as duty_selectors
from fieldwork.models import Deployment
from grids.scope import reach
from notices.selectors import unread_for
from residents.visits import task_list
from risk.screen import page_roots
from tasks.models import Target
from tasks.selectors import assignments_for_worker

from .templatetags.basemap import NOTICE_HIDDEN

# The tiles of the home page, by who works from them, in the order of the loop.
WORKER_TILES = ["to_verify_mine", "my_open_reports", "to_rate"]
HANDLER_TILES = ["to_accept", "my_unit"]
STAFF_TILES = [
    "to_file",
    "to_dispatch",
    "handling",
    "to_verify",
    "to_close",
    "extension",
    "warning",
    "overdue",
    "supervised",
]
ALERT_TILES = {"warning": "yellow", "overdue": "red"}


@login_required
def home(request):
    user = request.user
    memberships = user.memberships.filter(is_active=True).select_related("area__parent", "department")
    queues, counts = queue_counts(user)
    labels = {key: label for key, label, _q in queues}
    r = reach(user)
    is_worker = bool(r.codes(WORKER_ROLES))
    show_duty = duty_selectors.sees_rosters(user)
    groups = [
        (name, [_tile(key, labels[key], counts[key]) for key in keys if key in labels])
        for name, keys in (("worker", WORKER_TILES), ("handler", HANDLER_TILES), ("staff", STAFF_TILES))
    ]
    return render(
        request,
        "home.html",
        {
            "memberships": memberships,
            "reach": r,
            "is_worker": is_worker,
            "groups": [(name, tiles) for name, tiles in groups if tiles],
            "visits_due": _visits_due(user) if is_worker else None,
            "recent_reports": _recent_reports(user) if is_worker else [],
            # Notices addressed to the user stay here until marked read (issue 19 §5).
            "unread_notices": list(unread_for(user)[:20]),
            # Who is on duty now in the units the user belongs to or oversees (issue 19 §3).
            "show_duty": show_duty,
            "on_duty": list(duty_selectors.on_duty(user)[:30]) if show_duty else [],
            # The big screen's panels over the areas the user watches on the command map (issue 21).
            "show_panels": bool(page_roots(user)),
        },
    )


def _tile(key, label, count):
    return {
        "key": key,
        "label": label,
        "count": count,
        "alert": ALERT_TILES.get(key, "") if count else "",
        "url": reverse("cases:list") + f"?queue={key}",
    }


def _visits_due(user):
    """Open follow-up visits of priority persons in the worker's grids (a count only: names stay on the
    residents pages, where looking is logged)."""
    return task_list(user).count()


def _recent_reports(user):
    return list(Case.objects.filter(reporter=user).select_related("category").order_by("-id")[:5])


@login_required
@require_POST
def basemap_notice_hide(request):
    """Hide the first-run notice about the base map (``{% basemap_notice %}``) for the rest of the session."""
    request.session[NOTICE_HIDDEN] = True
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = reverse("home")
    return redirect(target)


# --- The phone offline (issue 23): an installable app and its service worker ---------------------------


@require_GET
def web_manifest(request):
    """The web app manifest: installable as 网格通, opening on the home page."""
    body = {
        "name": _("GridGov worker"),
        "short_name": _("GridGov worker"),
        "lang": "zh-CN",
        "start_url": reverse("home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#c0392b",
        "icons": [
            {"src": static(f"icons/icon-{n}.png"), "sizes": f"{n}x{n}", "type": "image/png"}
            for n in (192, 512)
        ],
    }
    return JsonResponse(
        body, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False}
    )


@require_GET
def service_worker(request):
    """static/js/sw.js served from the site root, so that it may control every page (its scope is "/")."""
    path = finders.find("js/sw.js")
    with open(path, encoding="utf-8") as f:
        response = HttpResponse(f.read(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


# --- The worker's work on this phone (issue 23 §3): the queue, the cases to verify, what to keep offline ---

PRECACHE_LIMIT = 60  # pages kept for a day without a signal; each is a few KB compressed


@login_required
def offline_page(request):
    """What waits on this phone, what was sent and what was refused; the cases the worker verifies on site
    (the verification is queued like any step); and the pages to keep for work without a signal."""
    user = request.user
    to_verify = _to_verify(user)
    visits = list(task_list(user).filter(person__household__isnull=False)[:20])
    assignments = list(assignments_for_worker(user)[:10])
    context = {
        "to_verify": to_verify,
        "visits": visits,
        "assignments": assignments,
        "case_statuses": case_status_labels(),
        "precache": _precache(user, to_verify, visits, assignments),
    }
    return render(request, "offline.html", context)


def _to_verify(user):
    q = next((q for key, _label, q in queues_for(user) if key == "to_verify_mine"), None)
    if q is None:
        return []
    return list(cases_visible_to(user).filter(q).select_related("category").order_by("id")[:30])


def _precache(user, to_verify, visits, assignments) -> list[str]:
    urls = [reverse("residents:tasks"), reverse("tasks:mine")]
    urls += [reverse("cases:detail", args=[c.pk]) for c in to_verify]
    urls += sorted({reverse("residents:household", args=[t.person.household_id]) for t in visits})
    for a in assignments:
        urls += [reverse("tasks:assignment", args=[a.pk]), reverse("tasks:fill", args=[a.pk])]
    targets = Target.objects.filter(assignment__in=assignments).values_list("assignment_id", "pk")
    urls += [f"{reverse('tasks:fill', args=[a])}?target={t}" for a, t in targets[:30]]
    today = timezone.localdate()
    mine = Deployment.objects.filter(cadre=user, checked_in_at__isnull=True, grid_day__day__gte=today)
    urls += [reverse("fieldwork:deployment", args=[pk]) for pk in mine.values_list("pk", flat=True)[:5]]
    return urls[:PRECACHE_LIMIT]
