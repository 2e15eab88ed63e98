"""Reads of intake rows: scopes (an integration sees its own orders and alerts), the order's status as the
hotline reads it, and the centre's integration overview."""

from django.db.models import Count, Q

from grids.models import Role
from grids.scope import reach, scope_for
from residents.crypto import mask_phone

from .models import HotlineOrder, Integration, SensorAlert, WebhookDelivery, WebhookStatus


@scope_for(HotlineOrder)
def hotline_order_scope(user, qs):
    """An integration's service user sees the orders it sent; nobody else through the API."""
    return qs.filter(integration__user_id=user.pk)


@scope_for(SensorAlert)
def sensor_alert_scope(user, qs):
    return qs.filter(device__integration__user_id=user.pk)


def may_manage_integrations(user) -> bool:
    """The district centre (anywhere) and superusers see integrations and their deliveries."""
    r = reach(user)
    return bool(getattr(user, "is_authenticated", False)) and (
        r.is_superuser or bool(r.codes([Role.DISTRICT_CENTRE]))
    )


def order_status(order: HotlineOrder, *, masked=False) -> dict:
    """What the hotline reads back: progress, the first receiving unit and how often the case was returned."""
    case = order.case
    unit = case.handling_department or case.handling_area
    return {
        "external_id": order.external_id,
        "case_number": case.number,
        "public_id": case.public_id,
        "status": case.status,
        "status_display": str(case.get_status_display()),
        "received_at": order.received_at,
        "hotline_due_at": order.hotline_due_at,
        "caller_name": order.caller_name,
        "caller_phone": mask_phone(order.caller_phone)
        if masked and order.caller_phone
        else order.caller_phone,
        "first_unit": order.first_unit,
        "current_unit": str(getattr(unit, "name", "") or ""),
        "returns": case.return_count,
        "merged_into": case.duplicate_of.number if case.duplicate_of_id and case.duplicate_of else "",
        "result": case.result,
        "closed_at": case.closed_at,
        "satisfaction": case.satisfaction,
        "callback": {
            "satisfaction": order.callback_satisfaction,
            "solved": order.callback_solved,
            "comment": order.callback_comment,
            "at": order.callback_at,
        }
        if order.callback_at
        else None,
    }


def orders_for_status():
    return HotlineOrder.objects.select_related(
        "case__handling_department", "case__handling_area", "case__duplicate_of"
    )


def integrations_overview():
    """Every integration with its pending and failed deliveries (one query)."""
    return (
        Integration.objects.select_related("user")
        .order_by("kind", "name")
        .annotate(
            pending=Count("deliveries", filter=Q(deliveries__status=WebhookStatus.PENDING)),
            failed=Count("deliveries", filter=Q(deliveries__status=WebhookStatus.FAILED)),
        )
    )


def deliveries(status: str = ""):
    qs = WebhookDelivery.objects.select_related("integration", "case").order_by("-id")
    return qs.filter(status=status) if status in WebhookStatus.values else qs
