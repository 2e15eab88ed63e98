"""Scoped reads of the register. Scope functions are registered here (imported from AppConfig.ready)."""

from django.db.models import Count, Prefetch, Q

from grids.scope import scope_for, scoped

from . import access, crypto, idcard
from .models import (
    Building,
    Dwelling,
    GroupTag,
    Household,
    ImportJob,
    Person,
    PersonTag,
    PiiAccessLog,
    Place,
    ResidenceChange,
    Visit,
    VisitTask,
)


def _in_area(qs, user, field="area__code"):
    return qs.filter(access.codes_q(field, access.read_codes(user)))


def _visible_tag_q(user, tag_field="tag", area_field="area__code"):
    """Non-sensitive tags everywhere in reach; sensitive ones only where the user may see them."""
    return Q(**{f"{tag_field}__sensitivity": GroupTag.Sensitivity.NORMAL}) | access.codes_q(
        area_field, access.sensitive_codes(user)
    )


for _model in (Building, Dwelling, Household, Person, Place, Visit, ImportJob):
    scope_for(_model)(lambda user, qs: _in_area(qs, user))


@scope_for(PersonTag)
def person_tag_scope(user, qs):
    return _in_area(qs, user).filter(_visible_tag_q(user))


@scope_for(VisitTask)
def visit_task_scope(user, qs):
    # Follow-ups of special-management persons go only to those who may know why the person is followed.
    return _in_area(qs, user).filter(_visible_tag_q(user))


@scope_for(ResidenceChange)
def residence_change_scope(user, qs):
    codes = access.read_codes(user)
    return qs.filter(access.codes_q("from_area__code", codes) | access.codes_q("to_area__code", codes))


@scope_for(GroupTag)
def group_tag_scope(user, qs):
    if not access.read_codes(user):
        return qs.none()
    if access.sensitive_codes(user):
        return qs
    return qs.filter(sensitivity=GroupTag.Sensitivity.NORMAL)


@scope_for(PiiAccessLog)
def pii_access_log_scope(user, qs):
    return qs.filter(access.codes_q("area_code", access.log_codes(user)))


# --- reads ----------------------------------------------------------------------------------------


def visible_tag_links(user):
    """A Prefetch of each person's current tags that this user may see (one query for the page)."""
    links = PersonTag.objects.filter(ended_on__isnull=True).filter(_visible_tag_q(user)).select_related("tag")
    return Prefetch("tag_links", queryset=links, to_attr="visible_tags")


def person_list(
    user, *, search="", id_number="", tag="", area_code="", status=Person.Status.RESIDENT, qs=None
):
    """Persons in scope, filtered. ``tag`` on a sensitive group only matches where the user may see it."""
    qs = scoped(user, qs if qs is not None else Person.objects.all())
    qs = qs.select_related("area", "household").prefetch_related(visible_tag_links(user))
    if status:
        qs = qs.filter(status=status)
    if area_code:
        qs = qs.filter(area__code__startswith=area_code)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(household__address__icontains=search))
    if id_number:
        qs = qs.filter(id_hash__in=id_hashes(id_number))
    if tag:
        qs = qs.filter(
            tag_links__in=PersonTag.objects.filter(tag__code=tag, ended_on__isnull=True).filter(
                _visible_tag_q(user)
            )
        )
    return qs


def id_hashes(raw: str) -> list[str]:
    """Search hashes for an ID number as typed (normalised when it is a resident ID); [] if unusable."""
    try:
        number = idcard.normalize(raw)
    except Exception:
        number = raw.strip().upper()
    return crypto.lookup_hashes("id", number)


def household_search(user, query: str = "", area_code: str = ""):
    """Households in scope whose address, number or a member's name matches; for the worker's phone page."""
    qs = scoped(user, Household.objects.filter(is_active=True)).select_related("area")
    if area_code:
        qs = qs.filter(area__code__startswith=area_code)
    if query:
        members = Person.objects.filter(name__icontains=query, status=Person.Status.RESIDENT).values(
            "household_id"
        )
        qs = qs.filter(Q(address__icontains=query) | Q(number__icontains=query) | Q(id__in=members))
    return qs.annotate(
        member_count=Count("persons", filter=Q(persons__status=Person.Status.RESIDENT))
    ).order_by("address", "number")


def household_members(user, household):
    return person_list(user, qs=Person.objects.filter(household=household)).order_by("relation", "birth_date")
