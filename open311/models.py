"""What Open311 adds to a case: who submitted it through which client, and photos still to fetch."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


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
