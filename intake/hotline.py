"""The 12345 hotline (接诉即办): work orders become cases, the hotline's callback feeds the evaluate step.

Rules the field sets, and where they live:

- One case per work order: ``HotlineOrder`` is unique on (integration, external id). A retry of the same
  order returns the first case; the same number with a different order is a conflict.
- Where: the order's point when it falls in a grid; otherwise the order's area code (a grid or a community:
  the hotline's dispatch desk often knows only the community); otherwise the order is refused with a
  field error, so the connector's operator fixes it at the source instead of it landing nowhere.
- First receiver is responsible (首接负责制): the workflow sends a case to another unit only after the
  current one returns it with a reason (a recorded 回退). The order keeps the first receiving unit and the
  case counts the returns, so "passing it on" is always visible in the order's status.
- The hotline's callback to the caller (回访) is the case's evaluation, recorded as the integration (the
  case's reporter, so the evaluate permission holds without any membership).
"""

import hashlib
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, Category, Source
from cases.services import ActionNotAllowed, case_evaluate, case_report
from cases.workflow import Status
from grids.models import Area, Level
from grids.selectors import grid_for_point

from .models import HotlineCategoryMap, HotlineOrder


class OrderConflict(Exception):
    """The same work order number arrived with different content, or a different callback."""


@dataclass
class OrderResult:
    order: HotlineOrder
    created: bool


def fingerprint(data: dict) -> str:
    return hashlib.sha256(
        json.dumps(data, sort_keys=True, default=str, ensure_ascii=False).encode()
    ).hexdigest()


def order_receive(*, integration, data: dict) -> OrderResult:
    """Create the case of a work order, or hand back the one a retry of the same order created."""
    mark = fingerprint(data)
    previous = _replay(integration, data["external_id"], mark)
    if previous:
        return OrderResult(previous, created=False)
    category = category_for(integration, data["category"])
    area = _area_for(data)
    try:
        with transaction.atomic():
            result = case_report(
                actor=integration.user,
                category=category,
                title=data["title"],
                description=data.get("content", ""),
                lat=data.get("lat"),
                lon=data.get("lon"),
                area=area,
                address=data.get("address", ""),
                urgency=data.get("urgency", "normal"),
                source=Source.HOTLINE,
                request_type=data.get("request_type", ""),
                reporter_name=data.get("caller_name", ""),
                reporter_phone=data.get("caller_phone", ""),
                extra=data.get("extra") or {},
                idempotency_key=f"hotline-order:{data['external_id']}",
            )
            order = HotlineOrder.objects.create(
                integration=integration,
                external_id=data["external_id"],
                case=result.case,
                fingerprint=mark,
                received_at=data.get("received_at") or timezone.now(),
                caller_name=data.get("caller_name", ""),
                caller_phone=data.get("caller_phone", ""),
                hotline_due_at=data.get("due_at"),
                payload=json.loads(json.dumps(data, default=str)),
            )
    except (IntegrityError, ValidationError) as exc:
        # A concurrent delivery of the same order won the race (its case and order committed first).
        previous = _replay(integration, data["external_id"], mark)
        if previous:
            return OrderResult(previous, created=False)
        if isinstance(exc, ValidationError) and "idempotency_key" in getattr(exc, "message_dict", {}):
            raise OrderConflict(
                _("This work order number was already received with different content.")
            ) from exc
        raise
    return OrderResult(order, created=True)


def _replay(integration, external_id, mark):
    order = (
        HotlineOrder.objects.filter(integration=integration, external_id=external_id)
        .select_related("case")
        .first()
    )
    if order is not None and order.fingerprint != mark:
        raise OrderConflict(_("This work order number was already received with different content."))
    return order


def category_for(integration, code: str) -> Category:
    """The hotline's code through the integration's mapping table, else one of our minor codes."""
    mapped = HotlineCategoryMap.objects.filter(integration=integration, their_code=code).select_related(
        "category"
    )
    row = mapped.first()
    category = row.category if row else Category.objects.filter(code=code).first()
    if category is None or not category.is_active or category.is_major:
        raise ValidationError(
            {"category": _("Unknown category code “%(code)s”: map it to one of ours first.") % {"code": code}}
        )
    return category


def _area_for(data) -> Area | None:
    """None when the point locates the case; else the grid or community the order names."""
    lat, lon = data.get("lat"), data.get("lon")
    if lat is not None and lon is not None and grid_for_point(lat, lon):
        return None
    code = data.get("area_code") or ""
    area = (
        Area.objects.filter(
            code=code, is_active=True, level__in=[Level.GRID, Level.MICROGRID, Level.COMMUNITY]
        ).first()
        if code
        else None
    )
    if area is None:
        raise ValidationError(
            {
                "location": _(
                    "Give a point inside the district, or the code of a grid or community (area_code)."
                )
            }
        )
    return area


# --- After the order: first receiver, callback ------------------------------------------------------


def order_note_dispatch(case_id: int) -> bool:
    """Record the first unit a hotline case was sent to (once; later units came after a recorded return)."""
    case = Case.objects.select_related("handling_department", "handling_area").filter(pk=case_id).first()
    if case is None or not (case.handling_department_id or case.handling_area_id):
        return False
    unit = case.handling_department or case.handling_area
    return bool(
        HotlineOrder.objects.filter(case_id=case_id, first_unit="").update(
            first_unit=str(getattr(unit, "name", unit))[:120],
            first_dispatched_at=case.dispatched_at or timezone.now(),
        )
    )


def order_callback(
    *, integration, external_id: str, satisfaction: str, solved: bool | None, comment: str = ""
):
    """The hotline called the caller back: record it and evaluate the case with it.

    A retry of the same callback changes nothing; a different callback for the same order is a conflict.
    A merged order is rated on the case it was merged into (as a citizen's link does).
    """
    with transaction.atomic():
        order = (
            HotlineOrder.objects.select_for_update()
            .select_related("case")
            .filter(integration=integration, external_id=external_id)
            .first()
        )
        if order is None:
            raise HotlineOrder.DoesNotExist
        if order.callback_at is not None:
            if (order.callback_satisfaction, order.callback_solved) != (satisfaction, solved):
                raise OrderConflict(_("A different callback was already recorded for this work order."))
            return order
        case = order.case
        target_id = case.duplicate_of_id or case.pk
        status = Case.objects.filter(pk=target_id).values_list("status", flat=True).first()
        if status != Status.CLOSED:
            raise ActionNotAllowed(_("The case is not closed yet: a callback comes after closing."), [])
        verdict = "" if solved is None else (_("solved") if solved else _("not solved"))
        note = f"[{verdict}] {comment}" if verdict else comment
        case_evaluate(
            case_id=target_id,
            actor=None if case.duplicate_of_id else integration.user,
            satisfaction=satisfaction,
            comment=note,
            channel="hotline",
        )
        order.callback_satisfaction, order.callback_solved = satisfaction, solved
        order.callback_comment, order.callback_at = comment, timezone.now()
        order.save(
            update_fields=["callback_satisfaction", "callback_solved", "callback_comment", "callback_at"]
        )
        return order
