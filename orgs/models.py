import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .permissions import Perm, Role, permissions_for_roles


class Plan(models.Model):
    """A subscription plan: which model strategies it allows and its monthly quotas."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    hosted_allowed = models.BooleanField(_("hosted models allowed"), default=True)
    byok_allowed = models.BooleanField(_("bring-your-own-key allowed"), default=True)
    monthly_hosted_tokens = models.PositiveBigIntegerField(_("hosted tokens per month"), default=0)
    monthly_image_units = models.PositiveIntegerField(_("image recognitions per month"), default=0)
    monthly_media_minutes = models.PositiveIntegerField(
        _("media transcription minutes per month"), default=0
    )
    monthly_price = models.DecimalField(
        _("monthly price (USD)"), max_digits=10, decimal_places=2, default=Decimal("0")
    )
    overage_allowed = models.BooleanField(_("hosted overage allowed"), default=False)
    overage_price_per_million_tokens = models.DecimalField(
        _("overage price per million hosted tokens (USD)"),
        max_digits=10,
        decimal_places=4,
        default=Decimal("0"),
    )
    billing_day = models.PositiveSmallIntegerField(
        _("billing day of month"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
    )

    class Meta:
        ordering = ["monthly_price", "name"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self):
        return self.name


class Organization(models.Model):
    """A tenant. Every customer object belongs to exactly one organization."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="organizations")
    enrichment_enabled = models.BooleanField(
        _("describe images and transcribe media during ingestion"), default=True
    )
    brand_color = models.CharField(_("brand colour"), max_length=7, default="#2f6fde")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self):
        return self.name

    def members_with(self, perm: Perm):
        """Return the users of this organization whose roles grant perm."""
        memberships = self.memberships.select_related("user").filter(user__is_active=True)
        return [m.user for m in memberships if perm in m.permissions]


class Membership(models.Model):
    """A user's place in an organization, with one or more roles."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    roles = models.JSONField(_("roles"), default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="unique_membership")
        ]
        ordering = ["user__email"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self):
        return f"{self.user} @ {self.organization}"

    @property
    def permissions(self) -> frozenset[Perm]:
        return permissions_for_roles(self.roles)

    def role_labels(self):
        return [Role(role).label for role in self.roles if role in Role.values]


class AuditEvent(models.Model):
    """One security-relevant action. `details` never contains a secret."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="audit_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField(_("actor"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.CharField(_("target type"), max_length=64, blank=True)
    target_id = models.CharField(_("target id"), max_length=64, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["organization", "-at"])]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"
