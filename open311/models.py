"""What Open311 adds to a case: who submitted it through which client, and photos still to fetch."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gridgov import outbox


class Submission(models.Model):
    """A case that came in through Open311: the client and the submitter's contact details.

    The contact details are personal information: they are stored for the callback and never published.
    """

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="open311")
    integration = models.ForeignKey("intake.Integration", on_delete=models.PROTECT, related_name="+")
    email = models.EmailField(_("email"), blank=True)
    device_id = models.CharField(_("device id"), max_length=100, blank=True)
    account_id = models.CharField(_("account id"), max_length=100, blank=True)
    address_id = models.CharField(_("address id"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 submission")
        verbose_name_plural = _("Open311 submissions")


class MediaFetch(models.Model):
    """A photo an Open311 client sent as a URL: fetched later by a task, never during the request."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Fetched")
        REFUSED = "refused", _("Refused")  # not retried: the URL, host, size or content is not acceptable
        FAILED = "failed", _("Failed")  # network or server errors outlasted every retry

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    url = models.URLField(_("URL"), max_length=1000)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    error = models.CharField(_("error"), max_length=300, blank=True)
    attachment = models.ForeignKey(
        "cases.Attachment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("media fetch")
        verbose_name_plural = _("media fetches")
        indexes = [
            models.Index(fields=["next_attempt_at"], name="open311_fetch_due", condition=Q(status="pending"))
        ]

    def __str__(self):
        return f"{self.url} ({self.status})"


class AlertSubscription(models.Model):
    """A citizen's wish to hear of changes (issue 24 §1): to one published report, or to new reports in an
    area (grid, community or street), by SMS to a phone verified by code or by e-mail verified by a link.

    No account: the contact is the identity. A subscription counts once ``verified_at`` is set and until
    ``ended_at`` (unsubscribed by its signed link). The contact is personal information: it is shown on no
    public page and leaves only in the messages to itself.
    """

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("E-mail")

    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    contact = models.CharField(_("phone or e-mail"), max_length=254)
    area = models.ForeignKey(
        "grids.Area",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("report"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)
    digest_from = models.DateTimeField(
        _("new reports counted from")
    )  # the next digest covers reports after it

    class Meta:
        verbose_name = _("alert subscription")
        verbose_name_plural = _("alert subscriptions")
        constraints = [
            models.CheckConstraint(
                condition=Q(area__isnull=True, case__isnull=False) | Q(area__isnull=False, case__isnull=True),
                name="alert_area_or_report",
            )
        ]
        indexes = [
            models.Index(
                fields=["case"],
                name="alert_live_case",
                condition=Q(verified_at__isnull=False, ended_at__isnull=True),
            ),
            models.Index(
                fields=["area"],
                name="alert_live_area",
                condition=Q(verified_at__isnull=False, ended_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.channel} → {self.area_id or self.case_id}"


class AlertMessage(outbox.Delivery):
    """One message to a subscriber (a change, a digest, an e-mail address check), sent through the outbox:
    an e-mail directly, an SMS handed to the citizens' SMS outbox (``intake.sms``), which retries on its own.
    The rows are the send log; the body is blanked once sent (it carries the unsubscribe link)."""

    class Kind(models.TextChoices):
        CONFIRM = "confirm", _("E-mail address check")
        CHANGE = "change", _("Report changed")
        DIGEST = "digest", _("New reports in the area")

    subscription = models.ForeignKey(AlertSubscription, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    params = models.JSONField(default=dict, blank=True)  # the SMS template's parameters

    class Meta:
        verbose_name = _("alert message")
        verbose_name_plural = _("alert messages")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="alert_pending_due", condition=Q(status="pending"))
        ]
