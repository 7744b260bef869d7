"""Conversations, their messages, and the trace of every chat turn."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Conversation(models.Model):
    """A series of turns with one agent over one channel."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="conversations"
    )
    agent = models.ForeignKey(
        "agents.Agent", null=True, on_delete=models.SET_NULL, related_name="conversations"
    )
    channel = models.ForeignKey(
        "agents.Channel", null=True, on_delete=models.SET_NULL, related_name="conversations"
    )
    # Who is talking: the dashboard user for the playground, the API token otherwise.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    visitor_ref = models.CharField(_("visitor reference"), max_length=120, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["organization", "-started_at"])]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")

    def __str__(self):
        return str(self.public_id)


class MessageRole(models.TextChoices):
    USER = "user", _("User")
    ASSISTANT = "assistant", _("Assistant")


class MessageStatus(models.TextChoices):
    OK = "ok", _("Complete")
    PARTIAL = "partial", _("Partial (stopped mid-answer)")
    FAILED = "failed", _("Failed")


class Message(models.Model):
    """One turn's text. Assistant messages carry a status and the citations they used."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(_("role"), max_length=10, choices=MessageRole.choices)
    content = models.TextField(_("content"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.OK
    )
    citations = models.JSONField(_("citations"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self):
        return f"{self.role}: {self.content[:40]}"


class Trace(models.Model):
    """The record of one provider call: the request as sent (never a secret) and its outcome."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "orgs.Organization", on_delete=models.CASCADE, related_name="traces"
    )
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="traces"
    )
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="traces"
    )
    agent = models.ForeignKey(
        "agents.Agent", null=True, on_delete=models.SET_NULL, related_name="traces"
    )
    channel = models.ForeignKey(
        "agents.Channel", null=True, blank=True, on_delete=models.SET_NULL, related_name="traces"
    )
    provider = models.CharField(_("provider"), max_length=20)
    model_id = models.CharField(_("model"), max_length=120)
    # Model, parameters, system prompt, messages and retrieved passages with scores.
    request = models.JSONField(_("request"), default=dict)
    response_text = models.TextField(_("response"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.OK
    )
    error_code = models.CharField(_("error code"), max_length=60, blank=True)
    error_message = models.TextField(_("error message"), blank=True)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), null=True, blank=True)
    input_tokens = models.PositiveIntegerField(_("input tokens"), default=0)
    output_tokens = models.PositiveIntegerField(_("output tokens"), default=0)
    billing_source = models.CharField(_("billing source"), max_length=20, blank=True)
    credential_key_id = models.UUIDField(_("credential key id"), null=True, blank=True)
    credential_fingerprint = models.CharField(_("key fingerprint"), max_length=8, blank=True)
    provider_request_id = models.CharField(_("provider request id"), max_length=200, blank=True)
    streamed = models.BooleanField(_("streamed"), default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"])]
        verbose_name = _("trace")
        verbose_name_plural = _("traces")

    def __str__(self):
        return f"{self.provider}/{self.model_id} {self.created_at:%Y-%m-%d %H:%M}"
