"""Reads of cases: the scope (who sees which case) and the list queries the API and pages share."""

from django.db.models import Q

from grids.models import CODE_LENGTH, Level, Membership, Role, User, code_range_q
from grids.scope import prefix_q, reach, scope_for, scoped

from . import extensions
from .models import Attachment, CannedReply, Case, CaseEvent, CaseExport, Category, EventKind, PhotoUpload

# Subtrees with a column of their own on Case (stored generated columns with (column, status, id) indexes).
LEVEL_COLUMNS = {
    CODE_LENGTH[Level.STREET]: "street_code",
    CODE_LENGTH[Level.COMMUNITY]: "community_code",
    CODE_LENGTH[Level.GRID]: "grid_code",
    CODE_LENGTH[Level.MICROGRID]: "area_code",
}


def case_area_q(code: str) -> Q:
    """Cases in the subtree of ``code``: an equality where the level has a column, else a range scan."""
    column = LEVEL_COLUMNS.get(len(code))
    return Q(**{column: code}) if column else code_range_q("area_code", code)


@scope_for(Case)
def case_scope(user, qs):
    """Cases in the user's area subtrees, cases sent to the user's departments, and the user's own reports."""
    r = reach(user)
    visible = prefix_q("area_code", r.codes(), q_for=case_area_q)
    if r.department_ids:
        # A department sees what it handles, and what the apps above give it (dispatch: the cases it assists
        # on and those it was whistled to, 吹哨报到).
        departments = r.department_ids
        visible |= Q(handling_department_id__in=departments) | extensions.department_reach_q(departments)
    return qs.filter(visible | _followed_q(user, visible))


# More followed cases than this outside the user's areas (a citizen-facing integration's service user):
# they are matched by the reporter column instead of listed.
FOLLOWED_LISTED = 200


def _followed_q(user, visible: Q) -> Q:
    """A reporter follows their own cases and the originals their duplicates were merged into.

    Those almost always lie inside the user's areas already. The few that do not are listed by id (one
    small query each time the scope is applied): an ``OR reporter = me`` in every list query would hide
    the ``(community_code, id)`` index from the planner, which would then walk the table by id."""
    rows = list(
        Case.objects.filter(reporter_id=user.pk)
        .filter(~visible | Q(duplicate_of__isnull=False))
        .values_list("pk", "duplicate_of_id")[: FOLLOWED_LISTED + 1]
    )
    if len(rows) > FOLLOWED_LISTED:
        originals = Case.objects.filter(reporter_id=user.pk, duplicate_of__isnull=False).values(
            "duplicate_of_id"
        )
        return Q(reporter_id=user.pk) | Q(pk__in=originals)
    return Q(pk__in={pk for pk, _ in rows} | {original for _, original in rows if original})


@scope_for(CaseEvent)
def case_event_scope(user, qs):
    return qs.filter(case__in=case_scope(user, Case.objects.all()))


@scope_for(Attachment)
def attachment_scope(user, qs):
    return qs.filter(case__in=case_scope(user, Case.objects.all()))


@scope_for(PhotoUpload)
def photo_upload_scope(user, qs):
    return qs.filter(owner=user)  # a photo on its way is its sender's alone, whatever their role


@scope_for(Category)
def category_scope(user, qs):
    return qs  # the catalogue is reference data every signed-in user reads


@scope_for(CannedReply)
def canned_reply_scope(user, qs):
    return qs  # reference data, like the catalogue it belongs to


def cases_visible_to(user):
    return scoped(user, Case.objects.all())


def case_timeline(case):
    """The case's events, and those of the duplicates merged into it (their photos stay visible here)."""
    # The ids as a subquery, not "case_id = X OR case.duplicate_of_id = X": an OR across the join cannot use
    # either index and reads every event (seconds at a million cases); this is two index probes.
    ids = Case.objects.filter(Q(pk=case.pk) | Q(duplicate_of_id=case.pk)).values("pk")
    return (
        CaseEvent.objects.filter(case_id__in=ids)
        .select_related("actor", "case")
        .prefetch_related("attachments")
        .order_by("created_at", "case_id", "seq")
    )


def reads_internal_notes(case, user) -> bool:
    """Everyone who sees the case through their work reads its internal notes; a reporter who follows it
    only as its reporter (a citizen's integration, a worker whose report went elsewhere) does not."""
    if user.is_superuser or case.reporter_id != user.pk:
        return True
    r = reach(user)
    return r.covers(case.area_code) or (
        case.handling_department_id is not None and case.handling_department_id in r.department_ids
    )


def case_timeline_for(case, user):
    """``case_timeline`` as ``user`` may read it: internal notes only for those who read them."""
    events = case_timeline(case)
    if not reads_internal_notes(case, user):
        events = events.exclude(kind=EventKind.NOTE)
    return events


def canned_replies_for(category):
    """Active canned replies of a minor category and of its major class, in their order."""
    ids = [category.pk] + ([category.parent_id] if category.parent_id else [])
    return CannedReply.objects.filter(category_id__in=ids, is_active=True).order_by("sort_order", "id")


def unit_members(case):
    """The active people of the case's handling unit, who may be named its handler (签收人): the
    department's handlers, or the members of the grid / community team (as ``workflow.is_handler``)."""
    memberships = Membership.objects.filter(is_active=True, area__is_active=True)
    if case.handling_department_id:
        memberships = memberships.filter(department_id=case.handling_department_id)
    elif case.handling_area_id:
        code = case.handling_area.code
        grid = case.handling_area.level in (Level.GRID, Level.MICROGRID)
        roles = [Role.GRID_WORKER, Role.GRID_LEADER] if grid else [Role.COMMUNITY_STAFF]
        above = [code[:n] for n in sorted(set(CODE_LENGTH.values())) if n <= len(code)]
        memberships = memberships.filter(role__in=roles, area__code__in=above)
    else:
        return User.objects.none()
    return User.objects.filter(pk__in=memberships.values("user_id"), is_active=True).order_by("username")


@scope_for(CaseExport)
def case_export_scope(user, qs):
    """An export is its requester's alone (it holds the rows they saw; nobody else's scope is the same)."""
    return qs.filter(requester_id=getattr(user, "pk", None))
