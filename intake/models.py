"""Outside systems that bring cases in: Open311 clients, the 12345 hotline connector, sensor platforms."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Integration(models.Model):
    """One outside system and its API key (stored hashed; shown once when created).

    Cases it brings in are reported as its service user, so the audit trail names the system.
    """

    class Kind(models.TextChoices):
        OPEN311 = "open311", _("Open311 client")
        HOTLINE = "hotline", _("12345 hotline connector")
        SENSOR = "sensor", _("Sensor platform")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    key_prefix = models.CharField(_("key prefix"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="integration",
                                editable=False)
    webhook_url = models.URLField(_("webhook URL"), blank=True)
    webhook_secret = models.CharField(_("webhook secret"), max_length=64, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("integration")
        verbose_name_plural = _("integrations")

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"
