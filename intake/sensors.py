"""Sensor platforms: an alert opens a case, and the same device's repeats join it instead of opening more.

A device that keeps alarming (a full bin, a tilted manhole cover, smoke) sends the same alert every few
minutes. Alerts of one (device, alert type) whose previous alert came within the rule's window, while that
case is still open, are recorded on the open case (one ``sensor_alert`` event each, and a count). The
window slides with each alert: a device that never stops alarming stays on one case.

Two alerts at the same moment never open two cases: both lock the (device, alert type) row
(``SensorStream``) before deciding, so the second sees the case the first opened.
An ``alert_id`` from the platform makes a retried delivery a no-op.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases import signals
from cases.events import event_append
from cases.models import Case, Source
from cases.services import case_report
from cases.workflow import OPEN

from .models import SensorAlert, SensorAlertRule, SensorDevice, SensorStream


@dataclass
class AlertResult:
    alert: SensorAlert
    case: Case
    opened: bool  # this alert opened the case (False: it joined an open one, or it was a retry)
    replay: bool = False


def alert_receive(
    *,
    integration,
    device_id: str,
    alert_type: str,
    lat=None,
    lon=None,
    occurred_at=None,
    alert_id: str = "",
    payload: dict | None = None,
    device_name: str = "",
) -> AlertResult:
    rule = (
        SensorAlertRule.objects.select_related("category")
        .filter(integration=integration, alert_type=alert_type)
        .first()
    )
    if rule is None:
        raise ValidationError(
            {"alert_type": _("No rule maps the alert type “%(type)s” to a category.") % {"type": alert_type}}
        )
    occurred_at = occurred_at or timezone.now()
    device = _device(integration, device_id, lat, lon, device_name)
    if alert_id:
        previous = SensorAlert.objects.filter(device=device, alert_id=alert_id).select_related("case").first()
        if previous:
            return AlertResult(previous, previous.case, opened=False, replay=True)
    lat, lon = (lat, lon) if lat is not None and lon is not None else (device.lat, device.lon)
    if lat is None or lon is None:
        raise ValidationError({"lat": _("The device has no known location: send lat and lon.")})
    stream = _stream(device, alert_type)
    try:
        with transaction.atomic():
            stream = SensorStream.objects.select_for_update().get(pk=stream.pk)
            case = _joinable_case(stream, rule, occurred_at)
            opened = case is None
            if opened:
                case = _open_case(integration, rule, device, alert_type, lat, lon, payload)
            alert = SensorAlert.objects.create(
                device=device,
                alert_type=alert_type,
                alert_id=alert_id,
                case=case,
                opened_case=opened,
                occurred_at=occurred_at,
                lat=lat,
                lon=lon,
                payload=payload or {},
            )
            if not opened:
                _record_repeat(case, integration, alert, stream.alert_count + 1)
            stream.case, stream.alert_count = case, (1 if opened else stream.alert_count + 1)
            stream.last_alert_at = max(occurred_at, stream.last_alert_at or occurred_at)
            stream.save(update_fields=["case", "alert_count", "last_alert_at"])
            SensorDevice.objects.filter(pk=device.pk).update(last_alert_at=timezone.now())
    except IntegrityError:
        # The same alert_id delivered twice at once: the other delivery recorded it.
        previous = alert_id and SensorAlert.objects.filter(device=device, alert_id=alert_id).first()
        if not previous:
            raise
        return AlertResult(previous, previous.case, opened=False, replay=True)
    return AlertResult(alert, case, opened=opened)


def _device(integration, device_id, lat, lon, name):
    device, created = SensorDevice.objects.get_or_create(
        integration=integration, device_id=device_id, defaults={"lat": lat, "lon": lon, "name": name}
    )
    if not created and device.lat is None and lat is not None:
        SensorDevice.objects.filter(pk=device.pk).update(lat=lat, lon=lon)
        device.lat, device.lon = lat, lon
    return device


def _stream(device, alert_type):
    stream, _created = SensorStream.objects.get_or_create(device=device, alert_type=alert_type)
    return stream


def _joinable_case(stream, rule, occurred_at):
    if stream.case_id is None or stream.last_alert_at is None:
        return None
    if occurred_at - stream.last_alert_at > timedelta(minutes=rule.window_minutes):
        return None
    case = Case.objects.select_for_update(of=("self",)).filter(pk=stream.case_id, status__in=OPEN).first()
    if case is not None and case.duplicate_of_id:
        return None
    return case


def _open_case(integration, rule, device, alert_type, lat, lon, payload):
    title = rule.title or _("%(category)s (sensor %(device)s)") % {
        "category": rule.category.name,
        "device": device.device_id,
    }
    description = _("Sensor %(device)s reported “%(type)s”.") % {
        "device": device.device_id,
        "type": alert_type,
    }
    return case_report(
        actor=integration.user,
        category=rule.category,
        title=title[:120],
        description=description,
        lat=lat,
        lon=lon,
        urgency=rule.urgency,
        source=Source.SENSOR,
    ).case


def _record_repeat(case, integration, alert, count):
    """The case row is locked (``_joinable_case``): the event chain stays in order."""
    event_append(
        case=case,
        kind="sensor_alert",
        actor=integration.user,
        from_status=case.status,
        to_status=case.status,
        payload={
            "device": alert.device.device_id,
            "alert_type": alert.alert_type,
            "alert": alert.pk,
            "count": count,
        },
    )
    transaction.on_commit(
        lambda: signals.case_changed.send(sender=Case, case_id=case.pk, kind="sensor_alert")
    )
