"""Credential resolution: which credential serves a provider call, who pays, or why nothing may.

This is the only place that picks a key. Chat and document processing both call `resolve`.
When the answer is hosted, the caller reserves quota through `usage.quotas` before any
network call.
"""

from dataclasses import dataclass, field
from enum import StrEnum


class Purpose(StrEnum):
    CHAT = "chat"
    EVAL = "eval"
    SUPPORT = "support"
    IMAGE = "image"
    MEDIA = "media"


class Strategy(StrEnum):
    HOSTED = "hosted"
    BYOK = "byok"


class BillingSource(StrEnum):
    HOSTED = "hosted"
    BYOK = "byok"
    ORG_GOOGLE = "org_google"


class Reason(StrEnum):
    """Why a call may not be made; each has a message that names the fix."""

    NO_KEY = "no_key"
    KEY_EXPIRED = "key_expired"
    KEY_REVOKED = "key_revoked"
    KEY_REJECTED = "key_rejected"
    KEY_UNREADABLE = "key_unreadable"  # decryption failed: fail closed
    PLAN_BYOK_ONLY = "plan_byok_only"
    PLAN_NO_BYOK = "plan_no_byok"
    HOSTED_NOT_CONFIGURED = "hosted_not_configured"
    HOSTED_QUOTA_EXHAUSTED = "hosted_quota_exhausted"
    ENRICHMENT_DISABLED = "enrichment_disabled"


@dataclass(frozen=True)
class Credential:
    """What a provider adapter needs for one call. `api_key` is plaintext: never store or log it."""

    provider: str  # "openai" | "anthropic" | "gemini" | "extractive"
    api_key: str = field(repr=False)
    base_url: str | None = None
    key_id: str | None = None  # ApiKey.public_id for org keys, None for hosted
    fingerprint: str = ""  # last 4 characters of the secret, for display

    def __str__(self):
        return f"Credential({self.provider}, key_id={self.key_id}, …{self.fingerprint})"


@dataclass(frozen=True)
class Resolution:
    ok: bool
    billing_source: BillingSource | None = None
    credential: Credential | None = None
    reason: Reason | None = None
    message: str = ""  # user-facing, translated; for refusals it names the fix
    explanation: str = ""  # user-facing, translated: why this credential (routing panel)


class CredentialRefused(Exception):
    """Raised by callers that turn a refused Resolution into an error."""

    def __init__(self, resolution: Resolution):
        super().__init__(resolution.message)
        self.resolution = resolution

    @property
    def reason(self):
        return self.resolution.reason


def resolve(
    organization,
    *,
    purpose: Purpose,
    provider: str,
    model: str = "",
    strategy: Strategy = Strategy.HOSTED,
    pinned_key_id: str | None = None,
    decrypt: bool = True,
) -> Resolution:
    """Decide which credential serves a call for organization, or why none may.

    Chat (purpose chat, eval, support): strategy BYOK uses the pinned key or the
    organization's active key for provider and refuses with NO_KEY, KEY_EXPIRED,
    KEY_REVOKED, KEY_REJECTED, KEY_UNREADABLE or PLAN_NO_BYOK; it never falls back to
    hosted. Strategy HOSTED refuses with PLAN_BYOK_ONLY or HOSTED_NOT_CONFIGURED; provider
    "extractive" (the offline model) always resolves to hosted with an empty api_key.

    Document processing (purpose image or media, provider "gemini"): the organization's
    active Gemini key (billing ORG_GOOGLE), else hosted Gemini if the plan allows it, else a
    refusal (ENRICHMENT_DISABLED, PLAN_BYOK_ONLY, HOSTED_NOT_CONFIGURED).

    With decrypt=False the credential carries no api_key, for explanations on pages. Quota is
    not checked here: the caller reserves it through `usage.quotas` when billing is hosted.
    """
    raise NotImplementedError("keys.resolver.resolve is built with the LLM API keys issue")


def report_provider_rejection(key_id: str, status_code: int, *, detail: str = "") -> None:
    """Mark the org key rejected after a provider 401/403 (or Gemini API_KEY_INVALID).

    Records an AuditEvent and raises the alert shown to admin and security. `detail` must
    already be redacted.
    """
    raise NotImplementedError("keys.resolver.report_provider_rejection is built with the keys issue")


def mark_used(key_id: str) -> None:
    """Record that the org key served a call (updates its last-used time)."""
    raise NotImplementedError("keys.resolver.mark_used is built with the keys issue")
