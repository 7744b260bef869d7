"""Agents, the channels that serve them, and the API tokens of those channels."""

import hmac
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from keys.crypto import master_keys, secret_hash


class Provider(models.TextChoices):
    OPENAI = "openai", "OpenAI"
    ANTHROPIC = "anthropic", "Anthropic"
    GEMINI = "gemini", "Google Gemini"
    EXTRACTIVE = "extractive", _("Offline extractive model")


class AgentStrategy(models.TextChoices):
    HOSTED = "hosted", _("Hosted (billed against the plan)")
    BYOK = "byok", _("Bring your own key (billed by the provider)")


class Agent(models.Model):
    """An assistant: its model, who pays for its calls, its prompt and the knowledge it searches."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="agents"
    )
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    provider = models.CharField(_("provider"), max_length=20, choices=Provider.choices)
    model_id = models.CharField(_("model"), max_length=120)
    strategy = models.CharField(
        _("billing strategy"), max_length=10, choices=AgentStrategy.choices, default=AgentStrategy.HOSTED
    )
    # The key pinned for BYOK calls; empty means "the organization's active key for the
    # provider". It points at ApiKey.public_id, so `pinned_key_id` is the key's public UUID.
    pinned_key = models.ForeignKey(
        "keys.ApiKey",
        to_field="public_id",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pinned_by_agents",
        verbose_name=_("pinned key"),
    )
    system_prompt = models.TextField(_("system prompt"), blank=True)
    temperature = models.FloatField(_("temperature"), default=0.2)
    max_output_tokens = models.PositiveIntegerField(_("maximum output tokens"), default=800)
    department = models.CharField(
        _("department"), max_length=80, blank=True, help_text=_("Used for chargeback reports.")
    )
    knowledge_bases = models.ManyToManyField(
        "knowledge.KnowledgeBase",
        blank=True,
        related_name="agents",
        verbose_name=_("knowledge bases"),
        help_text=_("The knowledge the agent searches before it answers."),
    )
    # Clones share a family id, so a channel can move between versions of one agent.
    family_id = models.UUIDField(default=uuid.uuid4, db_index=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["organization", "name"])]
        verbose_name = _("agent")
        verbose_name_plural = _("agents")

    def __str__(self):
        return self.name


class ChannelKind(models.TextChoices):
    WEB_WIDGET = "web_widget", _("Web widget")
    API = "api", _("API")
    PLAYGROUND = "playground", _("Playground")


class Channel(models.Model):
    """A way in to an agent. `agent` is the agent currently serving this slot; a swap changes it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="channels"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ChannelKind.choices)
    name = models.CharField(_("name"), max_length=120)
    agent = models.ForeignKey(Agent, on_delete=models.PROTECT, related_name="channels")
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"


TOKEN_PREFIX_LENGTH = 8
TOKEN_SCHEME = "fa"  # tokens read "fa_<prefix>_<secret>"


# Prepended to a token secret before hashing, so a token hash can never equal the hash of a
# provider key that the keys app computes with the same keyed HMAC.
TOKEN_HASH_CONTEXT = "flexyagents channel token v1\0"


def hash_token_secret(secret: str, master_key=None) -> str:
    """Return the keyed HMAC-SHA256 of a token secret under CRYPTOGRAPHY_KEY (or master_key).

    The key comes from CRYPTOGRAPHY_KEY rather than SECRET_KEY, so rotating SECRET_KEY keeps
    every issued token valid.
    """
    return secret_hash(TOKEN_HASH_CONTEXT + secret, master_key)


class ChannelToken(models.Model):
    """A bearer token for an API channel, stored as a lookup prefix plus a keyed hash."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(_("name"), max_length=120)
    prefix = models.CharField(max_length=TOKEN_PREFIX_LENGTH, unique=True)
    token_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self):
        return self.revoked_at is None

    @classmethod
    def issue(cls, channel, name, created_by=None):
        """Create a token for channel and return (token, plaintext); the plaintext is shown once."""
        while True:
            prefix = secrets.token_hex(TOKEN_PREFIX_LENGTH // 2)
            if not cls.objects.filter(prefix=prefix).exists():
                break
        secret = secrets.token_urlsafe(32)
        token = cls.objects.create(
            channel=channel,
            name=name,
            prefix=prefix,
            token_hash=hash_token_secret(secret),
            created_by=created_by,
        )
        return token, f"{TOKEN_SCHEME}_{prefix}_{secret}"

    def matches(self, secret: str) -> bool:
        """Compare secret with the stored hash in constant time, under current and fallback keys."""
        matched = False
        for master_key in master_keys():
            matched |= hmac.compare_digest(hash_token_secret(secret, master_key), self.token_hash)
        return matched

    def revoke(self):
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])


def split_token(raw: str) -> tuple[str, str] | None:
    """Split "fa_<prefix>_<secret>" into (prefix, secret), or return None when malformed."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_SCHEME:
        return None
    prefix, secret = parts[1], parts[2]
    if len(prefix) != TOKEN_PREFIX_LENGTH or not secret:
        return None
    return prefix, secret
