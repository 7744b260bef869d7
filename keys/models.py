import datetime
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .crypto import UNREADABLE, EncryptedSecretField, SecretUnreadable, master_key_id

# A key whose expiry is at most this far away is shown as "expiring soon".
EXPIRING_SOON_DAYS = 30
# Days before expiry at which reminders are sent; 0 marks the expiry itself.
REMINDER_DAYS = (30, 7, 1)
EXPIRED_THRESHOLD = 0


class Provider(models.TextChoices):
    OPENAI = "openai", _("OpenAI")
    ANTHROPIC = "anthropic", _("Anthropic")
    GEMINI = "gemini", _("Google Gemini")


class KeyStatus(models.TextChoices):
    """The stored status. Expired and expiring soon are computed from expires_at."""

    ACTIVE = "active", _("Active")
    REVOKED = "revoked", _("Revoked")
    REJECTED = "rejected", _("Rejected by provider")


class KeyState(models.TextChoices):
    """The status shown to people: the stored status combined with the expiry."""

    ACTIVE = "active", _("Active")
    EXPIRING_SOON = "expiring_soon", _("Expiring soon")
    EXPIRED = "expired", _("Expired")
    REJECTED = "rejected", _("Rejected by provider")
    REVOKED = "revoked", _("Revoked")


class ApiKeyQuerySet(models.QuerySet):
    def usable(self, now=None):
        """Keys that may serve a call now: active and not past their expiry."""
        now = now or timezone.now()
        return self.filter(status=KeyStatus.ACTIVE).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiKey(models.Model):
    """An organization's provider API key. The secret lives in its current KeyVersion."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="api_keys"
    )
    provider = models.CharField(_("provider"), max_length=16, choices=Provider.choices)
    label = models.CharField(_("label"), max_length=100)
    status = models.CharField(
        _("status"), max_length=16, choices=KeyStatus.choices, default=KeyStatus.ACTIVE
    )
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    fingerprint = models.CharField(_("fingerprint"), max_length=4, blank=True)
    # Keyed HMAC of the secret under a subkey of CRYPTOGRAPHY_KEY (keys.crypto.secret_hash).
    secret_hash = models.CharField(max_length=64, blank=True, editable=False)
    base_url = models.URLField(_("base URL"), max_length=500, blank=True)
    department = models.CharField(_("department"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    last_validated_at = models.DateTimeField(_("last validated"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)  # redacted before it is stored
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["provider", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "secret_hash"],
                condition=~models.Q(secret_hash=""),
                name="unique_key_secret_per_org",
            )
        ]
        indexes = [models.Index(fields=["organization", "provider", "status"])]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self):
        return f"{self.get_provider_display()} · {self.label} (…{self.fingerprint})"

    @property
    def masked(self):
        return f"…{self.fingerprint}" if self.fingerprint else "…"

    def is_expired(self, now=None):
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    def days_left(self, now=None):
        """Return whole days until expiry (negative once expired), or None without an expiry."""
        if self.expires_at is None:
            return None
        return (self.expires_at - (now or timezone.now())) // datetime.timedelta(days=1)

    def state(self, now=None) -> KeyState:
        """Compute the displayed state from the stored status and the expiry, at call time."""
        if self.status == KeyStatus.REVOKED:
            return KeyState.REVOKED
        if self.status == KeyStatus.REJECTED:
            return KeyState.REJECTED
        now = now or timezone.now()
        if self.is_expired(now):
            return KeyState.EXPIRED
        if self.expires_at is not None and self.expires_at - now <= datetime.timedelta(
            days=EXPIRING_SOON_DAYS
        ):
            return KeyState.EXPIRING_SOON
        return KeyState.ACTIVE

    def current_version(self):
        return self.versions.filter(retired_at__isnull=True).order_by("-created_at").first()


class KeyVersion(models.Model):
    """One secret of an ApiKey. Exactly one version per key is current (retired_at is null)."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="versions")
    # Null once the ciphertext has been destroyed after retirement.
    secret = EncryptedSecretField(null=True)
    # Identifier of the master key that encrypted `secret` (keys.crypto.master_key_id).
    master_key_id = models.CharField(max_length=16, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    destroy_after = models.DateTimeField(null=True, blank=True, db_index=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["api_key"],
                condition=models.Q(retired_at__isnull=True),
                name="one_current_version_per_key",
            )
        ]
        verbose_name = _("key version")
        verbose_name_plural = _("key versions")

    def __str__(self):
        return f"version {self.pk} of key {self.api_key_id}"

    def __repr__(self):
        return f"<KeyVersion {self.pk} key={self.api_key_id} master={self.master_key_id}>"

    def save(self, *args, **kwargs):
        if self.secret is not None:
            self.master_key_id = master_key_id()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "secret" in update_fields:
            kwargs["update_fields"] = {*update_fields, "master_key_id"}
        super().save(*args, **kwargs)

    def plaintext(self, key_public_id) -> str:
        """Return the decrypted secret, or raise SecretUnreadable naming the key and version."""
        if self.secret is UNREADABLE:
            raise SecretUnreadable(
                f"The secret of API key {key_public_id} (version {self.pk}, encrypted under "
                f"master key {self.master_key_id or 'unknown'}) could not be decrypted with "
                f"CRYPTOGRAPHY_KEY ({master_key_id()}) or CRYPTOGRAPHY_KEY_FALLBACKS. Restore "
                "the master key that encrypted it in CRYPTOGRAPHY_KEY_FALLBACKS, or rotate the key."
            )
        if not self.secret:
            raise SecretUnreadable(f"API key {key_public_id} has no stored secret (version {self.pk}).")
        return self.secret


class KeyReminder(models.Model):
    """One expiry reminder sent for a key, so each threshold fires once per expiry date."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="reminders")
    threshold_days = models.PositiveSmallIntegerField()  # 30, 7, 1, or 0 for "expired"
    expires_at = models.DateTimeField()  # the expiry this reminder was about
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["api_key", "threshold_days", "expires_at"], name="one_reminder_per_threshold"
            )
        ]


class CalendarToken(models.Model):
    """A member's secret token for the key-expiry iCalendar feed, stored as a SHA-256 hash."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="key_calendar_tokens"
    )
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="key_calendar_tokens"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_active_calendar_token",
            )
        ]
