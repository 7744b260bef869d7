"""Support access granted by an organization to platform staff, and reproductions of traced turns."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# An organization grants platform support access for this many days at least and at most.
MIN_GRANT_DAYS = 1
MAX_GRANT_DAYS = 30


class SupportAccessGrantQuerySet(models.QuerySet):
    def active(self, now=None):
        """Grants that have started, have not ended and are not revoked at now."""
        now = now or timezone.now()
        return self.filter(starts_at__lte=now, ends_at__gt=now, revoked_at__isnull=True)


class SupportAccessGrant(models.Model):
    """A period during which platform support staff may open the organization's traces."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="support_grants"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    starts_at = models.DateTimeField(_("starts at"), default=timezone.now)
    ends_at = models.DateTimeField(_("ends at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SupportAccessGrantQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["organization", "ends_at"])]
        verbose_name = _("support access grant")
        verbose_name_plural = _("support access grants")

    def __str__(self):
        return f"{self.organization_id}: {self.starts_at:%Y-%m-%d} → {self.ends_at:%Y-%m-%d}"

    def clean(self):
        if self.starts_at and self.ends_at:
            length = self.ends_at - self.starts_at
            if not timedelta(days=MIN_GRANT_DAYS) <= length <= timedelta(days=MAX_GRANT_DAYS):
                raise ValidationError(
                    _("Support access lasts %(min)d to %(max)d days; this grant lasts %(days).1f days.")
                    % {"min": MIN_GRANT_DAYS, "max": MAX_GRANT_DAYS, "days": length.total_seconds() / 86400}
                )

    def is_active(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.starts_at <= now < self.ends_at

    @property
    def state(self) -> str:
        """One of "active", "revoked", "expired" or "scheduled", for display."""
        now = timezone.now()
        if self.revoked_at is not None:
            return "revoked"
        if self.ends_at <= now:
            return "expired"
        if self.starts_at > now:
            return "scheduled"
        return "active"


class Reproduction(models.Model):
    """A re-run of a traced turn with the trace's stored request, for support."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    trace = models.ForeignKey("agents.Trace", on_delete=models.CASCADE, related_name="reproductions")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    result_text = models.TextField(_("answer"), blank=True)
    error_code = models.CharField(_("error code"), max_length=60, blank=True)
    error_message = models.TextField(_("error message"), blank=True)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), null=True, blank=True)
    input_tokens = models.PositiveIntegerField(_("input tokens"), default=0)
    output_tokens = models.PositiveIntegerField(_("output tokens"), default=0)
    billing_source = models.CharField(_("billing source"), max_length=20, blank=True)
    provider_request_id = models.CharField(_("provider request id"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("reproduction")
        verbose_name_plural = _("reproductions")

    def __str__(self):
        return f"reproduction of {self.trace_id} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def ok(self) -> bool:
        return not self.error_code
