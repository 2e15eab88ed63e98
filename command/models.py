"""Patrol positions of grid workers (巡查轨迹): movement tracks are sensitive personal information.

A worker's phone posts its position while "on patrol" is switched on; each accepted point is one
``PatrolPosition`` (the track) and moves the worker's one ``PatrolLast`` row (the map's "where is
everyone now" layer, one row per worker so that layer never scans the track table). Tracks are kept
``TRACK_RETENTION_DAYS`` and then deleted by ``command.tasks.purge_old_tracks``; every look at someone
else's track is a ``TrackAccessLog`` row.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov import audit_chain

TRACK_LOG_CHAIN = "track_access"


class PatrolPosition(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="patrol_positions"
    )
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    accuracy_m = models.FloatField(_("accuracy (m)"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    # The smallest area the point falls in (grid or micro-grid); empty when outside every boundary.
    area_code = models.CharField(_("area code"), max_length=24, blank=True)
    inside = models.BooleanField(_("inside the district"), default=True)

    class Meta:
        verbose_name = _("patrol position")
        verbose_name_plural = _("patrol positions")
        indexes = [
            models.Index(fields=["user", "recorded_at"], name="patrol_user_time"),
            models.Index(fields=["recorded_at"], name="patrol_time"),  # the retention purge
        ]

    def __str__(self):
        return f"{self.user_id} @ {self.recorded_at:%Y-%m-%d %H:%M:%S}"


class PatrolLast(models.Model):
    """The newest accepted position of each worker (upserted with every point)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="patrol_last"
    )
    lat = models.FloatField(_("latitude"))
    lon = models.FloatField(_("longitude"))
    accuracy_m = models.FloatField(_("accuracy (m)"), null=True, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"))
    area_code = models.CharField(_("area code"), max_length=24, blank=True)
    inside = models.BooleanField(_("inside the district"), default=True)

    class Meta:
        verbose_name = _("last patrol position")
        verbose_name_plural = _("last patrol positions")
        indexes = [models.Index(fields=["recorded_at"], name="patrollast_time")]


class TrackAccessLog(audit_chain.ChainedLog):
    """Who looked at whose track, for which period, when and how (PIPL: every look is logged).

    Append-only and hash-chained (gridgov/audit_chain.py), its head sealed in ``TrackAccessLogHead``."""

    append_only_message = "Track access records are append-only."

    class Via(models.TextChoices):
        MAP = "map", _("Command map")
        API = "api", _("API")

    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateTimeField(_("from"))
    period_end = models.DateTimeField(_("until"))
    via = models.CharField(_("via"), max_length=8, choices=Via.choices)
    # Set before the hash is computed (auto_now_add would overwrite it after).
    viewed_at = models.DateTimeField(_("viewed at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("track access")
        verbose_name_plural = _("track accesses")
        ordering = ["-viewed_at", "-id"]
        indexes = [
            models.Index(fields=["subject", "viewed_at"], name="trackaccess_subject"),
            models.Index(fields=["viewer", "viewed_at"], name="trackaccess_viewer"),
        ]

    def chain_content(self) -> dict:
        return track_log_content(self)


def track_log_content(row) -> dict:
    """The audited fields of a track-access row, as the chain hashes them (also used by the migration)."""
    return {
        "viewer": row.viewer_id,
        "subject": row.subject_id,
        "period_start": row.period_start,
        "period_end": row.period_end,
        "via": row.via,
        "viewed_at": row.viewed_at,
    }


class TrackAccessLogHead(audit_chain.ChainHead):
    """The sealed head (last seq and hash) of the track-access chain: a deleted tail shows against it."""

    class Meta:
        verbose_name = _("track-access chain head")
        verbose_name_plural = _("track-access chain heads")


audit_chain.register(TRACK_LOG_CHAIN, TrackAccessLog, TrackAccessLogHead)
