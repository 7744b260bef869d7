"""Usage data: the model catalog, raw usage events, refusals, hourly rollups, quota periods, alerts.

Agents and channels belong to the agents app, which imports usage; so usage stores their ids and
names as plain strings instead of foreign keys.
"""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from .quotas import QUOTA_LABELS


class Purpose(models.TextChoices):
    CHAT = "chat", _("Chat")
    EVAL = "eval", _("Golden-question run")
    SUPPORT = "support", _("Support reproduction")
    IMAGE = "image", _("Image description")
    MEDIA = "media", _("Media transcription")


class BillingSource(models.TextChoices):
    HOSTED = "hosted", _("Hosted (plan quota)")
    BYOK = "byok", _("Own key (BYOK)")
    ORG_GOOGLE = "org_google", _("Organization Google key")


class Status(models.TextChoices):
    OK = "ok", _("OK")
    FAILED = "failed", _("Failed")
    PARTIAL = "partial", _("Partial")


COST_FIELD_OPTIONS = {"max_digits": 18, "decimal_places": 8, "default": Decimal("0")}


class CatalogModel(models.Model):
    """A model that agents may choose, with its list prices in USD per million tokens."""

    provider = models.CharField(_("provider"), max_length=32)
    model_id = models.CharField(_("model ID"), max_length=128)
    display_name = models.CharField(_("display name"), max_length=200)
    context_window = models.PositiveIntegerField(_("context window (tokens)"), default=0)
    input_price_per_million = models.DecimalField(
        _("input price per million tokens (USD)"), max_digits=12, decimal_places=4, default=Decimal("0")
    )
    output_price_per_million = models.DecimalField(
        _("output price per million tokens (USD)"), max_digits=12, decimal_places=4, default=Decimal("0")
    )
    vision = models.BooleanField(_("accepts images"), default=False)
    audio = models.BooleanField(_("accepts audio"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["provider", "display_name"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "model_id"], name="usage_catalog_unique_model")
        ]
        verbose_name = _("catalog model")
        verbose_name_plural = _("catalog models")

    def __str__(self):
        return f"{self.display_name} ({self.provider})"


class UsageEvent(models.Model):
    """One billable provider call: tokens, units and the estimated cost at list prices."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="usage_events"
    )
    at = models.DateTimeField(_("time"), db_index=True)
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    provider = models.CharField(_("provider"), max_length=32)
    model = models.CharField(_("model"), max_length=128)
    billing_source = models.CharField(_("billing source"), max_length=16, choices=BillingSource.choices)
    key_id = models.CharField(_("key ID"), max_length=64, blank=True)
    agent_id = models.CharField(_("agent ID"), max_length=64, blank=True)
    agent_name = models.CharField(_("agent"), max_length=200, blank=True)
    channel_id = models.CharField(_("channel ID"), max_length=64, blank=True)
    channel_kind = models.CharField(_("channel"), max_length=32, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    input_tokens = models.PositiveBigIntegerField(_("input tokens"), default=0)
    output_tokens = models.PositiveBigIntegerField(_("output tokens"), default=0)
    units = models.PositiveIntegerField(_("units"), default=0)
    media_seconds = models.PositiveIntegerField(_("media seconds"), default=0)
    cost = models.DecimalField(_("estimated cost (USD)"), **COST_FIELD_OPTIONS)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OK)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), null=True, blank=True)
    error_code = models.CharField(_("error code"), max_length=64, blank=True)
    counts_against_quota = models.BooleanField(_("counts against the plan quota"), default=True)
    # Marks rows written by `seed_demo`, so reseeding replaces only generated history.
    demo = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["organization", "at"], name="usage_event_org_at")]
        verbose_name = _("usage event")
        verbose_name_plural = _("usage events")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.purpose} {self.model}"

    @property
    def total_tokens(self):
        return self.input_tokens + self.output_tokens


class Refusal(models.Model):
    """A call refused before any network request (no key, quota used up, plan): not usage."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="usage_refusals"
    )
    at = models.DateTimeField(_("time"), db_index=True)
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    reason = models.CharField(_("reason"), max_length=64)
    provider = models.CharField(_("provider"), max_length=32, blank=True)
    model = models.CharField(_("model"), max_length=128, blank=True)
    agent_id = models.CharField(_("agent ID"), max_length=64, blank=True)
    agent_name = models.CharField(_("agent"), max_length=200, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["organization", "at"], name="usage_refusal_org_at")]
        verbose_name = _("refusal")
        verbose_name_plural = _("refusals")


# The dimensions of a rollup row; with the organization and the hour (or day) they form its key.
ROLLUP_DIMENSIONS = (
    "billing_source",
    "agent_id",
    "model",
    "channel_kind",
    "department",
    "purpose",
    "provider",
    "key_id",
)
ROLLUP_KEY_FIELDS = ("organization_id", "hour", *ROLLUP_DIMENSIONS)
DAILY_ROLLUP_KEY_FIELDS = ("organization_id", "day", *ROLLUP_DIMENSIONS)


class Rollup(models.Model):
    """Sums of usage events per organization, time bucket and dimensions; dashboards read these."""

    billing_source = models.CharField(_("billing source"), max_length=16, choices=BillingSource.choices)
    agent_id = models.CharField(_("agent ID"), max_length=64, blank=True)
    agent_name = models.CharField(_("agent"), max_length=200, blank=True)
    model = models.CharField(_("model"), max_length=128)
    channel_kind = models.CharField(_("channel"), max_length=32, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    provider = models.CharField(_("provider"), max_length=32)
    key_id = models.CharField(_("key ID"), max_length=64, blank=True)
    events = models.PositiveBigIntegerField(default=0)
    failed_events = models.PositiveBigIntegerField(default=0)
    input_tokens = models.PositiveBigIntegerField(default=0)
    output_tokens = models.PositiveBigIntegerField(default=0)
    quota_tokens = models.PositiveBigIntegerField(default=0)
    units = models.PositiveBigIntegerField(default=0)
    media_seconds = models.PositiveBigIntegerField(default=0)
    cost = models.DecimalField(_("estimated cost (USD)"), **COST_FIELD_OPTIONS)

    class Meta:
        abstract = True


class HourlyRollup(Rollup):
    """Usage sums per hour: the hourly chart and spike detection read these."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="usage_rollups"
    )
    hour = models.DateTimeField(_("hour"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=list(ROLLUP_KEY_FIELDS), name="usage_rollup_unique_key")
        ]
        indexes = [models.Index(fields=["organization", "hour"], name="usage_rollup_org_hour")]
        verbose_name = _("hourly rollup")
        verbose_name_plural = _("hourly rollups")


class DailyRollup(Rollup):
    """Usage sums per day in settings.TIME_ZONE: totals, breakdowns and chargeback read these.

    A day has up to 1/24 of the rows of its hours, which keeps 90-day pages fast.
    """

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="usage_daily_rollups"
    )
    day = models.DateField(_("day"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=list(DAILY_ROLLUP_KEY_FIELDS), name="usage_daily_rollup_unique_key")
        ]
        indexes = [models.Index(fields=["organization", "day"], name="usage_daily_rollup_org_day")]
        verbose_name = _("daily rollup")
        verbose_name_plural = _("daily rollups")


class QuotaPeriod(models.Model):
    """One quota of one organization for one billing period; counters change only atomically."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="quota_periods"
    )
    kind = models.CharField(_("quota"), max_length=32, choices=list(QUOTA_LABELS.items()))
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end (exclusive)"))
    limit = models.PositiveBigIntegerField(_("limit"))
    used = models.PositiveBigIntegerField(_("used"), default=0)
    reserved = models.PositiveBigIntegerField(_("reserved"), default=0)

    class Meta:
        ordering = ["-period_start", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "period_start"], name="usage_quota_unique_period"
            )
        ]
        verbose_name = _("quota period")
        verbose_name_plural = _("quota periods")

    def __str__(self):
        return f"{self.organization} {self.kind} {self.period_start}: {self.used}/{self.limit}"


class QuotaWarning(models.Model):
    """Marker that the warning for one threshold of one quota period was sent (at most once)."""

    period = models.ForeignKey(QuotaPeriod, on_delete=models.CASCADE, related_name="warnings")
    threshold = models.PositiveSmallIntegerField(_("threshold (%)"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["period", "threshold"], name="usage_quota_warning_once")
        ]


class SpikeAlert(models.Model):
    """An hour whose token total started a spike above its trailing baseline."""

    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="usage_spikes"
    )
    hour = models.DateTimeField(_("hour"))
    tokens = models.PositiveBigIntegerField(_("tokens"))
    baseline_median = models.FloatField(_("baseline median"))
    threshold = models.FloatField(_("threshold"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-hour"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "hour"], name="usage_spike_once_per_hour")
        ]
        verbose_name = _("usage spike")
        verbose_name_plural = _("usage spikes")


class DemoSeed(models.Model):
    """Marker that `seed_demo` generated the usage history of an organization."""

    organization = models.OneToOneField("orgs.Organization", on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)
