"""Notices (通知公告) from the centre, a street or a community to staff, grid workers or residents of an area
(issue 19 §5). Staff and grid workers leave a read receipt; public notices show on the citizens' pages."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grids.models import Area, Role


class Audience(models.TextChoices):
    STAFF = "staff", _("Staff")
    GRID_WORKERS = "grid_workers", _("Grid workers")
    PUBLIC = "public", _("Residents (public)")
    VOLUNTEERS = "volunteers", _("Volunteers and liaisons")
    LIAISONS = "liaisons", _("Micro-grid liaisons")


# The roles a notice to each audience is addressed to (the public has no login: no receipts).
AUDIENCE_ROLES: dict[str, tuple[str, ...]] = {
    Audience.STAFF: (Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_CENTRE, Role.LEADER_READONLY),
    Audience.GRID_WORKERS: (Role.GRID_WORKER, Role.GRID_LEADER),
    Audience.PUBLIC: (),
    # Volunteers and liaisons have no login: they read on their phone page (``community``), which keeps
    # their receipts; no role, no inbox.
    Audience.VOLUNTEERS: (),
    Audience.LIAISONS: (),
}
# The audiences of the community's volunteers (read receipts per volunteer, not per user).
VOLUNTEER_AUDIENCES = (Audience.VOLUNTEERS, Audience.LIAISONS)
# The roles that may send notices, from the unit (centre, street, community) they belong to.
SENDER_ROLES = (Role.COMMUNITY_STAFF, Role.STREET_STAFF, Role.DISTRICT_CENTRE)


class Notice(models.Model):
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="notices_sent",
        verbose_name=_("sender"),
    )
    sending_unit = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="notices_sent", verbose_name=_("sending unit")
    )
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="notices", verbose_name=_("area"))
    area_code = models.CharField(max_length=24, editable=False)  # the area's code, for prefix queries
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    published_at = models.DateTimeField(_("published at"))
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    withdrawn = models.BooleanField(_("withdrawn"), default=False)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["area_code", "audience"], name="notice_area_audience")]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=models.F("published_at")),
                name="notice_expires_after_publish",
            )
        ]

    def __str__(self):
        return self.title


class NoticeReceipt(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="receipts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notice_receipts"
    )
    read_at = models.DateTimeField(_("read at"))

    class Meta:
        verbose_name = _("read receipt")
        verbose_name_plural = _("read receipts")
        constraints = [models.UniqueConstraint(fields=["notice", "user"], name="notice_receipt_once")]
