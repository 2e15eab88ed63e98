"""Reads behind the GeoReport resources: services, published requests and their updates.

What is published: cases from outside sources (citizens and Open311 clients) in the offered services.
Patrol, hotline, sensor and visit cases are internal work; disputes and special groups are about people
and are neither offered nor published (``OPEN311_EXCLUDED_GROUPS``). Reporter names, phones and e-mails
are never part of a response.

Every list is built in a constant number of queries: the first before-photo is a subquery, service
notices read prefetched limits, and the few extra facts (void reasons, unit names) are one query each.
"""

import re

from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import (
    Attachment,
    AttachmentKind,
    Case,
    CaseEvent,
    Category,
    CloseType,
    HeldWords,
    Publication,
    Source,
    Stage,
    TimeLimit,
)
from cases.moderation import may_moderate, public_photos
from cases.selectors import case_area_q
from cases.workflow import FINAL, OPEN, Status
from grids.models import CODE_LENGTH, Area, Role
from grids.scope import prefix_q, reach
from residents.crypto import redact_id_numbers

from .conf import setting

PUBLISHED_SOURCES = (Source.CITIZEN,)
REQUEST_LIMIT = 1000


def w3(moment):
    """Datetimes in the w3 profile of ISO 8601, with the site's offset (e.g. 2026-11-23T09:30:00+08:00)."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


# --- Services ----------------------------------------------------------------------------------------


def offered_categories():
    """Active minor categories outside the excluded major classes: the service list, in catalogue order."""
    return (
        Category.objects.filter(is_active=True, parent__isnull=False)
        .exclude(parent__code__in=setting("OPEN311_EXCLUDED_GROUPS"))
        .select_related("parent")
        .prefetch_related("limits")
        .order_by("parent__sort_order", "parent__code", "sort_order", "code")
    )


def service_list() -> list[dict]:
    return [
        {
            "service_code": c.code,
            "service_name": c.name,
            "description": c.description or None,
            "metadata": bool(c.fields),
            "type": "realtime",  # the case (and its id) exists when the POST answers
            "keywords": None,
            "group": c.parent.name,
        }
        for c in offered_categories()
    ]


def service_for_code(code: str) -> Category | None:
    return offered_categories().filter(code=code).first()


# Our extra-field types are Open311's, plus "date", which Open311 clients send as a datetime.
DATATYPE_HINTS = {
    "string": gettext_lazy("One line of text."),
    "text": gettext_lazy("Text; line breaks allowed."),
    "number": gettext_lazy("A number."),
    "datetime": gettext_lazy("A date and time in ISO 8601, e.g. 2026-11-23T09:30:00+08:00."),
    "date": gettext_lazy(
        "A date in ISO 8601, e.g. 2026-11-23; a datetime is accepted and its local date kept."
    ),
    "singlevaluelist": gettext_lazy("One key from the values."),
    "multivaluelist": gettext_lazy("One or more keys from the values."),
}


def service_definition(category) -> dict:
    attributes = []
    for order, field in enumerate(category.fields or [], start=1):
        datatype = field.get("datatype", "string")
        attributes.append(
            {
                "variable": True,
                "code": field["code"],
                "datatype": "datetime" if datatype == "date" else datatype,
                "required": bool(field.get("required")),
                "datatype_description": field.get("description")
                or str(DATATYPE_HINTS.get(datatype, ""))
                or None,
                "order": order,
                "description": field.get("label") or field["code"],
                "values": [
                    {"key": str(v["key"]), "name": v.get("name", v["key"])} for v in field.get("values", [])
                ],
            }
        )
    return {"service_code": category.code, "attributes": attributes}


LIMIT_UNITS = {
    "natural_minutes": gettext_lazy("minutes"),
    "natural_hours": gettext_lazy("hours"),
    "working_hours": gettext_lazy("working hours"),
    "working_days": gettext_lazy("working days"),
}


def service_notice(category, urgency="normal") -> str | None:
    """What the catalogue promises: the handling limit, counted from dispatch."""
    limit = category.limit_for(urgency, Stage.HANDLE)
    return _notice(*limit) if limit else None


def _notice(amount, unit) -> str:
    amount = int(amount) if amount == int(amount) else amount
    return _("Handled within %(amount)s %(unit)s of being sent to the handling unit.") % {
        "amount": amount,
        "unit": LIMIT_UNITS.get(unit, unit),
    }


# --- Requests ----------------------------------------------------------------------------------------
# Rows are read as values, not model instances: a page of 1,000 requests is mostly Python time otherwise.

ROW_FIELDS = (
    "pk",
    "public_id",
    "status",
    "close_type",
    "result",
    "description",
    "urgency",
    "level",
    "area_code",
    "address",
    "lat",
    "lon",
    "reported_at",
    "updated_at",
    "closed_at",
    "voided_at",
    "stage",
    "stage_due_at",
    "category_id",
    "category__code",
    "category__name",
    "handling_department__name",
    "handling_area__name",
    "duplicate_of__public_id",
    "open311__address_id",
    "first_photo_id",
)


def published_cases():
    return Case.objects.filter(source__in=PUBLISHED_SOURCES).exclude(
        category__parent__code__in=setting("OPEN311_EXCLUDED_GROUPS")
    )


def requests_find(*, ids=None, codes=None, start=None, end=None, statuses=None, limit=REQUEST_LIMIT):
    """Published cases for GET requests: ``ids`` (public ids) overrides every other filter."""
    qs = published_cases()
    if ids is not None:
        qs = qs.filter(public_id__in=ids)
    else:
        if codes:
            qs = qs.filter(category__code__in=codes)
        if start:
            qs = qs.filter(reported_at__gte=start)
        if end:
            qs = qs.filter(reported_at__lte=end)
        if statuses and set(statuses) != {"open", "closed"}:
            qs = qs.filter(status__in=OPEN if "open" in statuses else list(FINAL))
    return list(_as_rows(qs.order_by("-reported_at", "-id"))[:limit])


def public_reports(*, area="", category="", state="", before=None, size=20):
    """One page of the public reports list, newest first: (rows as ``requests_find``'s, the cursor of the
    next page or None). Keyset on the id (ids grow with reporting): a deep page costs what the first does."""
    qs = public_filtered(area=area, category=category, state=state)
    if before:
        qs = qs.filter(pk__lt=before)
    rows = list(_as_rows(qs.order_by("-pk"))[: size + 1])
    return rows[:size], rows[size - 1]["pk"] if len(rows) > size else None


def public_filtered(*, area="", category="", state=""):
    """Published cases by the public pages' three filters (list and map alike)."""
    qs = published_cases()
    if area:
        qs = qs.filter(case_area_q(area))  # the street / community column: an equality, off its index
    if category:
        qs = qs.filter(category__code=category)
    if state in ("open", "closed"):
        qs = qs.filter(status__in=OPEN if state == "open" else list(FINAL))
    return qs


# --- The public map -----------------------------------------------------------------------------------

MAP_LIMIT = 500  # points per answer: more than a phone's screen can tell apart
# Each status in the citizen's words, as the map colours it (the legend names the four).
MAP_STATES = {
    "received": gettext_lazy("Received, waiting to be handled"),
    "handling": gettext_lazy("Being handled"),
    "finished": gettext_lazy("Finished"),
    "not_taken": gettext_lazy("Not taken up"),
}
_STATE_OF_STATUS: dict[str, str] = {
    Status.REPORTED: "received",
    Status.FILED: "received",
    Status.CLOSED: "finished",
    Status.EVALUATED: "finished",
    Status.VOIDED: "not_taken",
}


def map_state(status: str, close_type: str = "") -> str:
    if close_type == CloseType.MERGED:
        return "not_taken"  # handled as the earlier report it duplicates
    return _STATE_OF_STATUS.get(status, "handling")


def map_points(*, bbox, area="", category="", state="", limit=MAP_LIMIT):
    """The newest published reports inside ``bbox`` (west, south, east, north in WGS 84), at most
    ``limit``: (points, whether more lay in the box). One query, newest first off the public index."""
    west, south, east, north = bbox
    qs = public_filtered(area=area, category=category, state=state).filter(
        lat__gte=south, lat__lte=north, lon__gte=west, lon__lte=east
    )
    rows = list(
        qs.order_by("-pk").values(
            "public_id", "status", "close_type", "lat", "lon", "category__name", "reported_at"
        )[: limit + 1]
    )
    # Once per answer, not per point: the words in the page's language and the pages' address.
    words = {key: str(label) for key, label in MAP_STATES.items()}
    page = reverse("public-reports:detail", args=["-"])[:-2]
    points = []
    for r in rows[:limit]:
        state = map_state(r["status"], r["close_type"])
        points.append(
            {
                "id": r["public_id"],
                "lat": r["lat"],
                "lon": r["lon"],
                "state": state,
                "state_words": words[state],
                "category": r["category__name"],
                "reported": w3(r["reported_at"]),
                "url": f"{page}{r['public_id']}/",
            }
        )
    return points, len(rows) > limit


def request_by_public_id(public_id):
    return _as_rows(published_cases().filter(public_id=public_id)).first()


def _as_rows(qs):
    # The first APPROVED before-photo: a photo staff have not approved is never named publicly.
    first_photo = (
        public_photos()
        .filter(case=OuterRef("pk"), kind=AttachmentKind.BEFORE)
        .order_by("id")
        .values("id")[:1]
    )
    return qs.annotate(first_photo_id=Subquery(first_photo)).values(*ROW_FIELDS)


def request_rows(cases, build_url) -> list[dict]:
    """The GET requests fields, in the specification's order, for rows from ``requests_find``."""
    voided = [c["pk"] for c in cases if c["status"] == Status.VOIDED]
    void_reasons = (
        dict(
            CaseEvent.objects.filter(case_id__in=voided, kind="void")
            .order_by("seq")
            .values_list("case_id", "comment")
        )
        if voided
        else {}
    )
    unit_codes = {
        _unit_code(c) for c in cases if not (c["handling_department__name"] or c["handling_area__name"])
    }
    unit_names = (
        dict(Area.objects.filter(code__in=unit_codes).values_list("code", "name")) if unit_codes else {}
    )
    notices = _notices({c["category_id"] for c in cases})
    media_prefix = build_url(reverse("open311:root")) + "media/"
    return [_row(c, void_reasons, unit_names, notices, media_prefix) for c in cases]


def _notices(category_ids) -> dict:
    limits = TimeLimit.objects.filter(category_id__in=category_ids, stage=Stage.HANDLE)
    return {(t.category_id, t.urgency): _notice(t.amount, t.unit) for t in limits}


def _unit_code(case):
    return case["area_code"][: CODE_LENGTH.get(case["level"], len(case["area_code"]))]


def _row(case, void_reasons, unit_names, notices, media_prefix) -> dict:
    closed = case["status"] in FINAL
    photo = case["first_photo_id"]
    return {
        "service_request_id": case["public_id"],
        "status": "closed" if closed else "open",
        # Free text is published: an ID number typed into it is masked like everywhere else.
        "status_notes": redact_id_numbers(status_notes(case, void_reasons.get(case["pk"], ""))),
        "service_name": case["category__name"],
        "service_code": case["category__code"],
        "description": redact_id_numbers(case["description"]) or None,
        "agency_responsible": (
            case["handling_department__name"]
            or case["handling_area__name"]
            or unit_names.get(_unit_code(case))
        ),
        "service_notice": None if closed else notices.get((case["category_id"], case["urgency"])),
        "requested_datetime": w3(case["reported_at"]),
        # For closed requests the specification wants the closing time here.
        "updated_datetime": w3(case["voided_at"] or case["closed_at"] or case["updated_at"])
        if closed
        else w3(case["updated_at"]),
        "expected_datetime": w3(case["stage_due_at"])
        if not closed and case["stage"] in EXPECTED_STAGES
        else None,
        "address": case["address"] or None,
        "address_id": case["open311__address_id"] or None,
        "zipcode": None,
        "lat": case["lat"],
        "long": case["lon"],
        "media_url": f"{media_prefix}{case['public_id']}/{photo}.jpg" if photo else None,
    }


# Stages whose deadline is when the work itself is due (filing and dispatch deadlines are not).
EXPECTED_STAGES = (Stage.HANDLE, Stage.VERIFY)


def status_notes(case, void_reason="") -> str:
    """The latest thing a citizen may read about the request, in plain words."""
    if case["status"] == Status.VOIDED:
        return _("Not taken up: %(reason)s") % {"reason": void_reason} if void_reason else _("Not taken up.")
    if case["close_type"] == CloseType.MERGED and case["duplicate_of__public_id"]:
        return _("Duplicate of request %(id)s; it is handled there.") % {
            "id": case["duplicate_of__public_id"]
        }
    if case["status"] in FINAL:
        return case["result"] or _("Resolved.")
    return str(OPEN_NOTES.get(case["status"], ""))


OPEN_NOTES = {
    Status.REPORTED: gettext_lazy("Received; waiting to be checked and accepted."),
    Status.SELF_HANDLED: gettext_lazy("Fixed on the spot; waiting for a check."),
    Status.FILED: gettext_lazy("Accepted; waiting to be sent to a handling unit."),
    Status.DISPATCHED: gettext_lazy("Sent to the handling unit."),
    Status.ACCEPTED: gettext_lazy("Being handled."),
    Status.HANDLED: gettext_lazy("Handled; waiting for an on-site check."),
    Status.VERIFIED: gettext_lazy("Checked on site; about to be closed."),
    Status.SUSPENDED: gettext_lazy("On hold: the work cannot be done now and resumes later."),
}


# --- Updates (servicerequestupdates extension) -------------------------------------------------------

UPDATE_NOTES = {
    "report": gettext_lazy("Received."),
    "file": gettext_lazy("Accepted as a case."),
    "dispatch": gettext_lazy("Sent to the handling unit."),
    "accept": gettext_lazy("The handling unit started work."),
    "feedback": gettext_lazy("Handled."),
    "verify_pass": gettext_lazy("Checked on site: done."),
    "verify_fail": gettext_lazy("Checked on site: not done yet; sent back for more work."),
    "close": gettext_lazy("Closed."),
    "void": gettext_lazy("Not taken up."),
    "merge": gettext_lazy("Merged with an earlier report of the same problem."),
    "suspend": gettext_lazy("On hold."),
    "resume": gettext_lazy("Work resumed."),
    "reopen": gettext_lazy("Reopened."),
    "citizen_update": gettext_lazy("A citizen's update:"),
}


def updates_find(*, ids=None, start=None, end=None, limit=REQUEST_LIMIT):
    """Public timeline events of published cases, oldest first (clients poll forward from their last one)."""
    qs = CaseEvent.objects.filter(kind__in=UPDATE_NOTES, case__in=published_cases()).exclude(
        held__publication__in=(Publication.PENDING, Publication.REJECTED)  # words staff have not approved
    )
    if ids is not None:
        qs = qs.filter(case__public_id__in=ids)
    if start:
        qs = qs.filter(created_at__gte=start)
    if end:
        qs = qs.filter(created_at__lte=end)
    return list(
        qs.select_related("case", "held").prefetch_related("attachments").order_by("created_at", "id")[:limit]
    )


STILL_THERE = gettext_lazy("Still there.")
AWAITING_REVIEW = gettext_lazy("(awaiting review)")
MOBILE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


def update_rows(events, build_url) -> list[dict]:
    rows = []
    for event in events:
        photo = next(
            (
                a
                for a in event.attachments.all()
                if a.kind == AttachmentKind.BEFORE and a.publication == Publication.APPROVED and a.thumbnail
            ),
            None,
        )
        rows.append(
            {
                "update_id": f"{event.case.public_id}-{event.seq}",
                "service_request_id": event.case.public_id,
                "status": "closed" if event.to_status in FINAL else "open",
                "updated_datetime": w3(event.created_at),
                "description": redact_id_numbers(_update_description(event)),
                "media_url": build_url(reverse("open311:media", args=[event.case.public_id, photo.pk]))
                if photo
                else None,
            }
        )
    return rows


def _update_description(event) -> str:
    # What was done, and why a request was not taken up, are for the citizen; other comments are internal.
    detail = {"feedback": event.payload.get("result"), "void": event.comment}.get(event.kind) or ""
    if event.kind == "citizen_update":  # the citizen's words, never their phone (a number typed in is masked)
        detail = " ".join(
            w
            for w in (str(STILL_THERE) if event.payload.get("still_there") else "", _public_words(event))
            if w
        )
        detail = MOBILE_IN_TEXT.sub(r"\1****\2", detail)
    note = str(UPDATE_NOTES[event.kind])
    return f"{note} {detail}".strip() if detail else note


def _public_words(event) -> str:
    # Held words (issue 24 §4) are never written out; their author is told they wait for review.
    held = getattr(event, "held", None)
    if held is None or held.publication == Publication.APPROVED:
        return event.comment
    return str(AWAITING_REVIEW) if held.publication == Publication.PENDING else ""


def published_photo(public_id, attachment_id):
    """An approved photo of a published case (what media_url points at), or None: serve its
    ``public_image`` (the blurred copy when staff made one), never its original."""
    return (
        public_photos()
        .filter(pk=attachment_id, case__public_id=public_id, case__in=published_cases())
        .first()
    )


def report_photos(case_pk) -> list[dict]:
    """The approved photos of one published report, for its public page (before and after handling)."""
    return list(public_photos().filter(case_id=case_pk).order_by("id").values("pk", "kind"))


# --- Photo moderation queue (staff) ------------------------------------------------------------------

# The acting units of a case (cases.workflow.is_case_unit): they decide what of it the public sees.
MODERATOR_ROLES = (Role.GRID_LEADER, Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_CENTRE)
QUEUE_PAGE = 24


def moderation_queue(user, *, after=None, size=QUEUE_PAGE):
    """Photos of published reports still waiting for a decision, oldest first, that ``user`` may decide:
    (photos with their case, the cursor of the next page or None). Read from the partial pending index."""
    qs = (
        Attachment.objects.filter(publication=Publication.PENDING, case__in=published_cases())
        .exclude(thumbnail="")
        .select_related("case", "case__category")
    )
    if not user.is_superuser:
        qs = qs.filter(prefix_q("case__area_code", reach(user).codes(MODERATOR_ROLES)))
    if after:
        qs = qs.filter(pk__gt=after)
    rows = list(qs.order_by("id")[: size + 1])
    page = [photo for photo in rows[:size] if may_moderate(photo.case, user)]
    return page, rows[size - 1].pk if len(rows) > size else None


def held_words_queue(user, *, size=QUEUE_PAGE) -> list:
    """Citizens' updates of published reports whose words wait for ``user``'s decision, oldest first."""
    qs = HeldWords.objects.filter(
        publication=Publication.PENDING, event__case__in=published_cases()
    ).select_related("event", "event__case", "event__case__category")
    if not user.is_superuser:
        qs = qs.filter(prefix_q("event__case__area_code", reach(user).codes(MODERATOR_ROLES)))
    return [held for held in qs.order_by("pk")[:size] if may_moderate(held.event.case, user)]
