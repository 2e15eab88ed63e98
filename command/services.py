"""Writes of the command app: a grid worker's patrol position, the track-access log, the retention purge."""

import logging
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.models import Area, Role
from grids.scope import reach
from grids.selectors import grid_for_point

from . import partitions
from .models import PatrolLast, PatrolPosition, TrackAccessLog
from .selectors import retention_days

# Points closer together than this (by the phone's clock) are merged: the page sends one every 30 s,
# a retry or a second tab must not double the track.
MIN_INTERVAL_SECONDS = 10
# A phone that was offline may send a point late, but not from before this, nor from the future.
MAX_AGE = timedelta(hours=24)
MAX_AHEAD = timedelta(minutes=2)


class Recorded:
    """The outcome of one posted point: the stored position, or None when it was merged."""

    def __init__(self, position, last):
        self.position, self.last = position, last

    @property
    def merged(self):
        return self.position is None


log = logging.getLogger(__name__)


def _check(lat, lon, accuracy_m, recorded_at, now):
    errors = {}
    if lat is None or not -90 <= lat <= 90:
        errors["lat"] = [_("Latitude must be between -90 and 90.")]
    if lon is None or not -180 <= lon <= 180:
        errors["lon"] = [_("Longitude must be between -180 and 180.")]
    if accuracy_m is not None and accuracy_m < 0:
        errors["accuracy_m"] = [_("Accuracy cannot be negative.")]
    if recorded_at > now + MAX_AHEAD:
        errors["recorded_at"] = [_("This time is in the future: check the phone's clock.")]
    elif recorded_at < now - MAX_AGE:
        errors["recorded_at"] = [_("This point is more than a day old and is not kept.")]
    if errors:
        raise ValidationError(errors)


def _locked_last(actor):
    last = PatrolLast.objects.select_for_update().filter(user=actor).first()
    return last


def patrol_position_record(*, actor, lat, lon, accuracy_m=None, recorded_at=None, now=None) -> Recorded:
    """Keep one point of a grid worker's patrol; merge it when it follows the last one too closely.

    The worker's ``PatrolLast`` row is locked for the check and the upsert, so two tabs or a retry
    posting at once never both pass the interval check. Points outside every boundary are kept and
    flagged (``inside=False``): the supervisor sees the worker left the district.
    """
    if not reach(actor).codes([Role.GRID_WORKER]):
        raise PermissionDenied(_("Only grid workers share patrol positions."))
    now = now or timezone.now()
    recorded_at = recorded_at or now
    _check(lat, lon, accuracy_m, recorded_at, now)
    area_id = grid_for_point(lat, lon)
    area_code = Area.objects.filter(pk=area_id).values_list("code", flat=True).first() if area_id else ""
    point = {
        "lat": lat,
        "lon": lon,
        "accuracy_m": accuracy_m,
        "recorded_at": recorded_at,
        "area_code": area_code or "",
        "inside": bool(area_code),
    }
    with transaction.atomic():
        last = _locked_last(actor)
        if last is None:
            try:
                with transaction.atomic():
                    last = PatrolLast.objects.create(user=actor, **point)
            except IntegrityError:  # a concurrent first point: wait for it, then decide as usual
                last = _locked_last(actor)
            else:
                return Recorded(PatrolPosition.objects.create(user=actor, **point), last)
        if abs((recorded_at - last.recorded_at).total_seconds()) < MIN_INTERVAL_SECONDS:
            return Recorded(None, last)
        position = PatrolPosition.objects.create(user=actor, **point)
        if recorded_at > last.recorded_at:  # a late point joins the track but does not move the worker
            for name, value in point.items():
                setattr(last, name, value)
            last.save()
        return Recorded(position, last)


def track_access_record(*, viewer, subject_ids, start, end, via):
    """Log a look at other people's tracks (looking at one's own is not logged)."""
    rows = [
        TrackAccessLog(viewer=viewer, subject_id=s, period_start=start, period_end=end, via=via)
        for s in sorted(set(subject_ids))
        if s != viewer.pk
    ]
    if rows:
        TrackAccessLog.objects.bulk_create(rows)
    return len(rows)


def purge_old_tracks(*, now=None, chunk=5000) -> int:
    """Delete positions older than the retention period, ``chunk`` rows per statement; returns the count.

    Small deletes keep each transaction short (no long lock, no bloated WAL) and the purge restartable:
    a run that is stopped half-way is finished by the next one.
    """
    cutoff = (now or timezone.now()) - timedelta(days=retention_days())
    # Whole months past the period go with their partition (PostgreSQL); the rest row by row.
    deleted = partitions.partitions_drop_expired(cutoff)
    while True:
        ids = list(
            PatrolPosition.objects.filter(recorded_at__lt=cutoff)
            .order_by("recorded_at")
            .values_list("id", flat=True)[:chunk]
        )
        if not ids:
            break
        deleted += PatrolPosition.objects.filter(id__in=ids).delete()[0]
    PatrolLast.objects.filter(recorded_at__lt=cutoff).delete()
    return deleted


def retention_tracks(*, now=None) -> int:
    """The sweep's retention step for patrol tracks (hourly): the purge, and a log line when it deleted."""
    deleted = purge_old_tracks(now=now)
    if deleted:
        log.info("retention: deleted %s patrol positions older than %s days", deleted, retention_days())
    return deleted
