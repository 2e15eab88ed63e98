"""Outside systems that bring cases in: Open311 clients, the 12345 hotline connector, sensor platforms."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov import outbox


class Integration(models.Model):
    """One outside system and its API key (stored hashed; shown once when created).

    Cases it brings in are reported as its service user, so the audit trail names the system.
    """

    class Kind(models.TextChoices):
        OPEN311 = "open311", _("Open311 client")
        HOTLINE = "hotline", _("12345 hotline connector")
        SENSOR = "sensor", _("Sensor platform")
        # The citizens' report page: no key is ever handed out; cases are reported as its user.
        PUBLIC = "public", _("Public web page")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    key_prefix = models.CharField(_("key prefix"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="integration", editable=False
    )
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


# --- The 12345 hotline ---------------------------------------------------------------------------


class HotlineCategoryMap(models.Model):
    """The hotline's own category codes mapped to ours (a connector may also send our codes directly)."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="category_maps")
    their_code = models.CharField(_("hotline category code"), max_length=64)
    category = models.ForeignKey(
        "cases.Category", verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("hotline category mapping")
        verbose_name_plural = _("hotline category mappings")
        constraints = [
            models.UniqueConstraint(fields=["integration", "their_code"], name="hotlinemap_unique")
        ]


class HotlineOrder(models.Model):
    """A 12345 work order (工单) and the case it became: one case per (integration, external id).

    The first unit the case is dispatched to is recorded here: under 首接负责制 it stays responsible,
    and the only way to another unit is a return (回退) with a reason, which the order counts.
    """

    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="hotline_orders")
    external_id = models.CharField(_("work order number"), max_length=64)
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="hotline_order")
    fingerprint = models.CharField(max_length=64, editable=False)
    received_at = models.DateTimeField(_("received at"))
    caller_name = models.CharField(_("caller name"), max_length=64, blank=True)
    caller_phone = models.CharField(_("caller phone"), max_length=32, blank=True)
    hotline_due_at = models.DateTimeField(_("hotline deadline"), null=True, blank=True)
    payload = models.JSONField(_("order as received"), default=dict)
    first_unit = models.CharField(_("first receiving unit"), max_length=120, blank=True)
    first_dispatched_at = models.DateTimeField(null=True, blank=True)
    # The hotline's callback to the caller (回访): kept as sent, and fed into the evaluate step.
    callback_satisfaction = models.CharField(_("callback satisfaction"), max_length=24, blank=True)
    callback_solved = models.BooleanField(_("solved"), null=True, blank=True)
    callback_comment = models.TextField(_("callback comment"), blank=True)
    callback_at = models.DateTimeField(_("callback at"), null=True, blank=True)

    class Meta:
        verbose_name = _("hotline work order")
        verbose_name_plural = _("hotline work orders")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "external_id"], name="hotlineorder_unique")
        ]

    def __str__(self):
        return self.external_id


# --- Sensors -------------------------------------------------------------------------------------


class SensorAlertRule(models.Model):
    """Which case an alert type of one sensor platform opens, and how long repeats join the open case."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="alert_rules")
    alert_type = models.CharField(_("alert type"), max_length=64)
    category = models.ForeignKey(
        "cases.Category", verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    urgency = models.CharField(
        _("urgency"),
        max_length=16,
        default="normal",
        choices=[("urgent", _("Urgent")), ("normal", _("Normal"))],
    )
    window_minutes = models.PositiveIntegerField(_("repeat window (minutes)"), default=30)
    title = models.CharField(_("case title"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("sensor alert rule")
        verbose_name_plural = _("sensor alert rules")
        constraints = [models.UniqueConstraint(fields=["integration", "alert_type"], name="alertrule_unique")]

    def __str__(self):
        return f"{self.alert_type} → {self.category_id}"


class SensorDevice(models.Model):
    """A device of a sensor platform, registered on its first alert with the place it reported."""

    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="devices")
    device_id = models.CharField(_("device id"), max_length=64)
    name = models.CharField(_("name"), max_length=100, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    last_alert_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sensor device")
        verbose_name_plural = _("sensor devices")
        constraints = [
            models.UniqueConstraint(fields=["integration", "device_id"], name="sensordevice_unique")
        ]

    def __str__(self):
        return self.device_id


class SensorStream(models.Model):
    """One (device, alert type): the row alerts lock, so two alerts at once never open two cases, and
    the case its repeats currently join."""

    device = models.ForeignKey(SensorDevice, on_delete=models.CASCADE, related_name="streams")
    alert_type = models.CharField(max_length=64)
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    last_alert_at = models.DateTimeField(null=True, blank=True)
    alert_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "alert_type"], name="sensorstream_unique")]


class SensorAlert(models.Model):
    """Every alert received, linked to the case it opened or joined."""

    device = models.ForeignKey(SensorDevice, on_delete=models.PROTECT, related_name="alerts")
    alert_type = models.CharField(_("alert type"), max_length=64)
    alert_id = models.CharField(_("alert id"), max_length=64, blank=True)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="sensor_alerts")
    opened_case = models.BooleanField(default=False)
    occurred_at = models.DateTimeField(_("occurred at"))
    received_at = models.DateTimeField(auto_now_add=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("sensor alert")
        verbose_name_plural = _("sensor alerts")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["device", "alert_id"], condition=~models.Q(alert_id=""), name="sensoralert_unique_id"
            )
        ]


# --- Outbound webhooks ---------------------------------------------------------------------------


WebhookStatus = outbox.Status  # the name the webhooks' code and tests know it by


class WebhookDelivery(outbox.Delivery):
    """One status change POSTed to one integration's URL; retried with backoff, then failed (visible)."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="deliveries")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("change"), max_length=32)
    key = models.CharField(max_length=80)  # case + event: hearing a signal twice makes one delivery
    payload = models.JSONField(default=dict)
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["integration", "key"], name="webhook_unique_key")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_due")]


class PhoneCode(models.Model):
    """A verification code sent by SMS to a citizen's mobile number: stored hashed, short-lived, few tries."""

    phone = models.CharField(_("mobile number"), max_length=20)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("phone verification code")
        verbose_name_plural = _("phone verification codes")
        indexes = [models.Index(fields=["phone", "-created_at"], name="phonecode_latest")]


class SmsMessage(outbox.Delivery):
    """One templated SMS to a citizen's number (no user account), sent through the outbox with retries.

    Every attempt is counted on the row (``attempts``, ``last_error``, ``sent_at``, the provider's id); the
    template's parameters are blanked once the message is sent or failed (a code must not outlive its use).
    """

    phone = models.CharField(_("mobile number"), max_length=20)
    purpose = models.CharField(_("template"), max_length=32)
    params = models.JSONField(default=dict, blank=True)
    gateway = models.CharField(_("gateway"), max_length=16, blank=True)
    provider_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("SMS message")
        verbose_name_plural = _("SMS messages")
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="sms_pending_due", condition=models.Q(status="pending")
            )
        ]
