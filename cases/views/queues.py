"""Work queues: the tabs each user works from (with counts), filters kept in the URL, keyset paging, and
bulk dispatch of cases of one category from the "to dispatch" queue."""

import operator
from functools import reduce

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_fsm import ConcurrentTransition

from grids.models import Department, Role
from grids.scope import prefix_q, reach

from .. import extensions, services
from ..models import Category
from ..selectors import cases_visible_to
from ..serializers import DispatchSerializer
from ..workflow import OPEN, Status

PAGE_SIZE = 30
BULK_LIMIT = 100  # one form, one request: more than this is a job for the API
STAFF_ROLES = [Role.GRID_LEADER, Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_CENTRE]
WORKER_ROLES = [Role.GRID_WORKER, Role.GRID_LEADER]
HANDLER_ROLES = [Role.GRID_WORKER, Role.GRID_LEADER, Role.COMMUNITY_STAFF]  # the teams a case is sent to


def queues_for(user):
    """(key, label, Q) of the queues this user works from, in tab order."""
    r = reach(user)
    queues = []
    if r.codes(WORKER_ROLES):
        queues += [
            (
                "to_verify_mine",
                gettext_lazy("To verify in my grids"),
                Q(status__in=[Status.HANDLED, Status.SELF_HANDLED])
                & prefix_q("area_code", r.codes(WORKER_ROLES)),
            ),
            ("my_reports", gettext_lazy("My reports"), Q(reporter_id=user.pk)),
            (
                "my_open_reports",
                gettext_lazy("My reports still open"),
                Q(reporter_id=user.pk, status__in=OPEN),
            ),
            ("to_rate", gettext_lazy("My reports to rate"), Q(reporter_id=user.pk, status=Status.CLOSED)),
        ]
    if r.department_ids:
        queues += [
            (
                "my_unit",
                gettext_lazy("My unit's queue"),
                Q(
                    handling_department_id__in=r.department_ids,
                    status__in=[Status.DISPATCHED, Status.ACCEPTED],
                ),
            ),
            (
                "to_accept",
                gettext_lazy("To accept"),
                Q(handling_department_id__in=r.department_ids, status=Status.DISPATCHED),
            ),
        ]
    if r.department_ids or r.codes(HANDLER_ROLES):
        # The cases naming this user their handler (签收人), still open: a handler's own list.
        queues.append(("my_cases", gettext_lazy("My cases"), Q(assignee_id=user.pk, status__in=OPEN)))
    if r.codes(STAFF_ROLES) or r.is_superuser:
        queues += [
            ("to_file", gettext_lazy("To file"), Q(status=Status.REPORTED)),
            ("to_dispatch", gettext_lazy("To dispatch"), Q(status=Status.FILED)),
            ("handling", gettext_lazy("Being handled"), Q(status__in=[Status.DISPATCHED, Status.ACCEPTED])),
            ("to_verify", gettext_lazy("To verify"), Q(status__in=[Status.HANDLED, Status.SELF_HANDLED])),
            ("to_close", gettext_lazy("To close"), Q(status=Status.VERIFIED)),
            (
                "extension",
                gettext_lazy("Extension asked"),
                Q(status=Status.ACCEPTED, extension_requested_amount__isnull=False),
            ),
            ("warning", gettext_lazy("Warning"), Q(alert="yellow", status__in=OPEN)),
            ("overdue", gettext_lazy("Overdue"), Q(alert="red", status__in=OPEN)),
            ("supervised", gettext_lazy("Supervised"), Q(is_supervised=True, status__in=OPEN)),
        ]
    queues.append(("all", gettext_lazy("All"), Q()))
    return queues


def queue_counts(user, qs=None, *, whole=False):
    """{key: count} of every queue of the user's, in one aggregate query.

    "All" is counted only when ``whole`` (a filtered list, where it says how many cases matched; None
    otherwise): unfiltered, it would count every case in the user's areas, a district's million for the
    centre, 0.3 s a page. Without it the query reads only the rows another tab counts, by their indexes."""
    queues = queues_for(user)
    qs = cases_visible_to(user) if qs is None else qs
    tabs = {key: q for key, _label, q in queues if key != "all"}
    if whole:
        tabs["all"] = Q()
    elif tabs:
        qs = qs.filter(reduce(operator.or_, tabs.values()))
    counts = qs.aggregate(**{key: Count("id", filter=q) for key, q in tabs.items()}) if tabs else {}
    return queues, {"all": None} | counts


def _filtered(qs, params):
    if params.get("status") in Status.values:
        qs = qs.filter(status=params["status"])
    if params.get("category"):
        qs = qs.filter(Q(category__code=params["category"]) | Q(category__parent__code=params["category"]))
    if params.get("alert") in ("yellow", "red"):
        qs = qs.filter(alert=params["alert"])
    text = (params.get("q") or "").strip()
    if text:
        qs = qs.filter(Q(number__icontains=text) | Q(title__icontains=text) | Q(address__icontains=text))
    return qs


FILTERS = ("status", "category", "alert", "q")


def may_export(user) -> bool:
    """Staff (grid leader, community, street, centre) export the case list; workers and units do not."""
    r = reach(user)
    return r.is_superuser or bool(r.codes(STAFF_ROLES))


def _current_queue(params, queues):
    """The tab a list shows: the one clicked (``queue``); after a search, every case of the user's (the tab
    counts say where the matches are); otherwise the tab the filter form was sent from (``in``)."""
    if params.get("queue"):
        return params["queue"]
    if (params.get("q") or "").strip():
        return "all"
    return params.get("in") or queues[0][0]


def case_list_rows(user, params):
    """The cases the list shows for ``params`` (queue and filters, as in the page's URL), newest first;
    None for a queue the user does not have. The export writes exactly these rows."""
    visible = _filtered(cases_visible_to(user), params)
    queues = queues_for(user)
    q = {key: q for key, _label, q in queues}.get(_current_queue(params, queues))
    return None if q is None else visible.filter(q).order_by("-id")


@login_required
@require_GET
def case_list(request):
    visible = _filtered(cases_visible_to(request.user), request.GET)
    queues, counts = queue_counts(request.user, visible, whole=any(request.GET.get(f) for f in FILTERS))
    current = _current_queue(request.GET, queues)
    q = {key: q for key, _label, q in queues}.get(current)
    if q is None:
        raise Http404
    rows = (
        visible.filter(q)
        .select_related("category", "area__parent", "handling_department", "assignee")
        .order_by("-id")
    )
    after = request.GET.get("after", "")
    if after.isdigit():
        rows = rows.filter(id__lt=int(after))  # keyset paging: page N costs what page 1 costs
    page = list(rows[: PAGE_SIZE + 1])
    more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    badges = extensions.extra_row_badges(page, request.user)
    keep = request.GET.copy()
    keep.pop("after", None)
    filters = {k: request.GET.get(k, "") for k in FILTERS}
    return render(
        request,
        "cases/list.html",
        {
            "tabs": [(key, label, counts[key]) for key, label, _q in queues],
            "current": current,
            "cases": page,
            "rows": [(case, badges.get(case.pk, [])) for case in page],
            "next_after": page[-1].pk if more else None,
            "keep": keep.urlencode(),
            "statuses": Status.choices,
            "categories": _category_groups(),
            "filters": filters,
            "bulk": _bulk_context(request.user, current, filters, page),
            "may_export": may_export(request.user),
            "export_cap": f"{settings.GRIDGOV.get('CASE_EXPORT_MAX_ROWS', 100_000):,}",
            "export_params": [(k, v) for k, v in filters.items() if v] + [("queue", current)],
        },
    )


def _category_groups():
    """Major categories with their minor ones, for the filter (one query)."""
    minors = Category.objects.filter(is_active=True).select_related("parent").order_by("sort_order", "code")
    groups = {}
    for c in minors:
        if c.parent_id is None:
            groups.setdefault(c.pk, [c, []])[0] = c
        else:
            groups.setdefault(c.parent_id, [c.parent, []])[1].append(c)
    return sorted(groups.values(), key=lambda g: (g[0].sort_order, g[0].code))


# --- Bulk dispatch ------------------------------------------------------------------------------------


def _bulk_context(user, current, filters, page):
    """The bulk dispatch bar: on the "to dispatch" queue, once the list is narrowed to one minor category."""
    if current != "to_dispatch" or not page:
        return None
    category = (
        Category.objects.filter(code=filters["category"], parent__isnull=False).first()
        if filters["category"]
        else None
    )
    if category is None:
        return {"needs_category": True}
    return {"category": category, "departments": _departments_for(category, page[0])}


def _departments_for(category, sample):
    """Active departments, those the routing suggests for a case of this category first."""
    suggested = [s.department for s in extensions.routing_suggestions(sample) if s.department]
    rest = (
        Department.objects.filter(is_active=True).exclude(pk__in=[d.pk for d in suggested]).order_by("code")
    )
    return [(d, True) for d in suggested] + [(d, False) for d in rest]


@login_required
@require_POST
def bulk_dispatch(request):
    """Dispatch several cases of one category to one department; each case goes through ``case_dispatch``
    with the version its row showed, so one stale or refused case fails alone and leaves the rest done."""
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) or not back.startswith(
        "/"
    ):
        back = "/cases/?queue=to_dispatch"
    picked = _picked(request.POST.getlist("case"))
    data = DispatchSerializer(
        data={"department": request.POST.get("department", ""), "comment": request.POST.get("comment", "")}
    )
    if not picked:
        messages.error(request, _("Choose the cases to dispatch."))
        return redirect(back)
    if len(picked) > BULK_LIMIT:
        messages.error(request, _("Dispatch at most %(n)d cases at once.") % {"n": BULK_LIMIT})
        return redirect(back)
    if not data.is_valid() or not data.validated_data.get("department"):
        messages.error(request, _("Choose the department to dispatch to."))
        return redirect(back)
    cases = {c.pk: c for c in cases_visible_to(request.user).filter(pk__in=picked).select_related("category")}
    if len({c.category_id for c in cases.values()}) > 1:
        messages.error(
            request, _("Bulk dispatch is for cases of one category: narrow the list to one category.")
        )
        return redirect(back)
    done, failed = _dispatch_each(request.user, picked, cases, data.validated_data)
    if done:
        messages.success(
            request,
            _("Dispatched to %(unit)s: %(numbers)s.")
            % {"unit": data.validated_data["department"].name, "numbers": ", ".join(done)},
        )
    for number, reason in failed:
        messages.error(
            request, _("Not dispatched: %(number)s — %(reason)s") % {"number": number, "reason": reason}
        )
    return redirect(back)


def _picked(values):
    """``id:version`` pairs from the checkboxes; anything else is ignored."""
    picked = {}
    for value in values:
        pk, _sep, version = value.partition(":")
        if pk.isdigit() and version.isdigit():
            picked[int(pk)] = int(version)
    return picked


def _dispatch_each(user, picked, cases, data):
    done, failed = [], []
    for pk, version in picked.items():
        case = cases.get(pk)
        if case is None:  # out of scope or gone: say nothing about it beyond "not found"
            failed.append((f"#{pk}", _("no such case in your areas")))
            continue
        try:
            services.case_dispatch(
                case_id=pk,
                actor=user,
                department=data["department"],
                comment=data.get("comment", ""),
                version=version,
            )
        except services.StaleVersion:
            failed.append((case.number, _("changed by someone else since you loaded the list")))
        except ConcurrentTransition:
            failed.append((case.number, _("changed by someone else at the same moment")))
        except (services.ActionNotAllowed, PermissionDenied) as exc:
            failed.append((case.number, str(exc)))
        except ValidationError as exc:
            failed.append((case.number, " ".join(exc.messages)))
        else:
            done.append(case.number)
    return done, failed
