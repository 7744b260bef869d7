"""The redacted JSON bundle of a conversation (every turn with its trace), for bug reports.

Traces never store a credential, but a customer may type one into a chat. So the bundle
passes every text through `redact_text`, which removes strings shaped like provider keys,
channel tokens and bearer tokens, the operator's configured hosted keys, and email addresses.
"""

import re

from django.conf import settings
from django.utils import timezone

from ..models import Trace

EXPORT_FORMAT = "flexyagents.trace-export/1"
HOSTED_KEY_SETTINGS = ("HOSTED_OPENAI_API_KEY", "HOSTED_ANTHROPIC_API_KEY", "HOSTED_GEMINI_API_KEY")

# NOTE: redaction by pattern catches only the key formats below. A secret of another shape in a
# message is removed only when it equals a configured hosted key.
SECRET_PATTERNS = [
    re.compile(r"sk-[A-Za-z0-9_\-]{8,}"),  # OpenAI and Anthropic keys
    re.compile(r"AIza[0-9A-Za-z_\-]{20,}"),  # Google API keys
    re.compile(r"\bfa_[A-Za-z0-9]{8}_[A-Za-z0-9_\-]{8,}"),  # FlexyAgents channel tokens
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/\-]{8,}=*"),
]
EMAIL_PATTERN = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
SECRET_PLACEHOLDER = "[redacted secret]"
EMAIL_PLACEHOLDER = "[redacted email]"


def redact_text(text: str) -> str:
    """Return text with secret-shaped strings, hosted keys and email addresses replaced."""
    if not text:
        return text
    for name in HOSTED_KEY_SETTINGS:
        secret = getattr(settings, name, "") or ""
        if secret:
            text = text.replace(secret, SECRET_PLACEHOLDER)
    for pattern in SECRET_PATTERNS:
        text = pattern.sub(SECRET_PLACEHOLDER, text)
    return EMAIL_PATTERN.sub(EMAIL_PLACEHOLDER, text)


def redact_value(value):
    """Apply redact_text to every string inside a JSON-like value."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, list):
        return [redact_value(item) for item in value]
    if isinstance(value, dict):
        return {key: redact_value(item) for key, item in value.items()}
    return value


def _iso(moment):
    return moment.isoformat() if moment else None


def trace_dict(trace) -> dict:
    """Return one trace as exported: identifiers as they are, every text redacted."""
    return {
        "trace_id": str(trace.public_id),
        "created_at": _iso(trace.created_at),
        "provider": trace.provider,
        "model": trace.model_id,
        "request": redact_value(trace.request),
        "status": trace.status,
        "response_text": redact_text(trace.response_text),
        "error_code": trace.error_code,
        "error_message": redact_text(trace.error_message),
        "latency_ms": trace.latency_ms,
        "input_tokens": trace.input_tokens,
        "output_tokens": trace.output_tokens,
        "billing_source": trace.billing_source,
        "credential_key_id": str(trace.credential_key_id) if trace.credential_key_id else None,
        "credential_fingerprint": trace.credential_fingerprint,
        "provider_request_id": trace.provider_request_id,
        "streamed": trace.streamed,
        "reproductions": [
            {
                "reproduction_id": str(item.public_id),
                "created_at": _iso(item.created_at),
                "result_text": redact_text(item.result_text),
                "error_code": item.error_code,
                "error_message": redact_text(item.error_message),
                "latency_ms": item.latency_ms,
                "input_tokens": item.input_tokens,
                "output_tokens": item.output_tokens,
                "billing_source": item.billing_source,
            }
            for item in trace.reproductions.order_by("created_at", "id")
        ],
    }


def export_bundle(trace) -> dict:
    """Return the bundle for trace's conversation, or for trace alone when it has none.

    A turn that failed before any answer stores no messages, and the first turn of a
    conversation that failed has no conversation at all; such a trace is exported alone.
    """
    conversation = trace.conversation
    if conversation is None:
        traces = [trace]
        messages = []
    else:
        traces = list(
            Trace.objects.filter(conversation=conversation).order_by("created_at", "id").prefetch_related("reproductions")
        )
        messages = [
            {
                "role": message.role,
                "content": redact_text(message.content),
                "status": message.status,
                "citations": redact_value(message.citations),
                "created_at": _iso(message.created_at),
            }
            for message in conversation.messages.order_by("created_at", "id")
        ]
    agent, channel = trace.agent, trace.channel
    return {
        "format": EXPORT_FORMAT,
        "exported_at": _iso(timezone.now()),
        "organization_id": str(trace.organization.public_id),
        "conversation_id": str(conversation.public_id) if conversation else None,
        "selected_trace_id": str(trace.public_id),
        "agent": (
            {"agent_id": str(agent.public_id), "name": agent.name, "provider": agent.provider,
             "model": agent.model_id, "strategy": agent.strategy}
            if agent else None
        ),
        "channel": {"channel_id": str(channel.public_id), "kind": channel.kind, "name": channel.name} if channel else None,
        "messages": messages,
        "traces": [trace_dict(item) for item in traces],
    }
