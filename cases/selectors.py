"""Reads of cases: the scope (who sees which case) and the list queries the API and pages share."""

from django.db.models import Q

from grids.models import CODE_LENGTH, Level, code_range_q
from grids.scope import prefix_q, reach, scope_for, scoped

from . import extensions
from .models import Attachment, Case, CaseEvent, Category

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


@scope_for(Category)
def category_scope(user, qs):
    return qs  # the catalogue is reference data every signed-in user reads


def cases_visible_to(user):
    return scoped(user, Case.objects.all())


def case_timeline(case):
    """The case's events, and those of the duplicates merged into it (their photos stay visible here)."""
    merged = Q(case__duplicate_of_id=case.pk)
    return (
        CaseEvent.objects.filter(Q(case_id=case.pk) | merged)
        .select_related("actor", "case")
        .prefetch_related("attachments")
        .order_by("created_at", "case_id", "seq")
    )
