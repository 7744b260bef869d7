"""Credential resolution: which credential serves a provider call, who pays, or why nothing may.

This is the only place that picks a key. Chat and document processing both call `resolve`.
When the answer is hosted, the caller reserves quota through `usage.quotas` before any
network call.
"""

import logging
import re
import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


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


logger = logging.getLogger(__name__)

HOSTED_KEY_SETTINGS = {
    "openai": "HOSTED_OPENAI_API_KEY",
    "anthropic": "HOSTED_ANTHROPIC_API_KEY",
    "gemini": "HOSTED_GEMINI_API_KEY",
}
BASE_URL_SETTINGS = {
    "openai": "OPENAI_BASE_URL",
    "anthropic": "ANTHROPIC_BASE_URL",
    "gemini": "GEMINI_BASE_URL",
}
EXTRACTIVE = "extractive"
DOCUMENT_PURPOSES = (Purpose.IMAGE, Purpose.MEDIA)
KEYS_PAGE = gettext_lazy("Settings → LLM API Keys")

# Patterns of provider secrets that must never reach last_error or an audit event.
_SECRET_PATTERNS = re.compile(r"(sk-[A-Za-z0-9_\-]{8,}|AIza[0-9A-Za-z_\-]{20,}|[A-Za-z0-9_\-]{32,})")


def redact(text: str, limit: int = 500) -> str:
    """Return text with anything shaped like a provider secret replaced, cut to limit characters."""
    return _SECRET_PATTERNS.sub("[redacted]", text or "")[:limit]


def _provider_label(provider):
    from .models import Provider

    try:
        return Provider(provider).label
    except ValueError:
        return provider


def _refuse(reason: Reason, message: str, explanation: str = "") -> Resolution:
    return Resolution(ok=False, reason=reason, message=message, explanation=explanation or message)


def base_url_for(provider: str, api_key=None) -> str | None:
    """Return the org key's base URL, else the operator's endpoint setting, else None."""
    if api_key is not None and api_key.base_url:
        return api_key.base_url
    setting = BASE_URL_SETTINGS.get(provider)
    return (getattr(settings, setting, "") if setting else "") or None


def _hosted_secret(provider):
    setting = HOSTED_KEY_SETTINGS.get(provider)
    return (getattr(settings, setting, "") if setting else "") or ""


def _parse_uuid(value):
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def _pick_org_key(organization, provider, pinned_key_id, now):
    """Return (api_key or None, pinned_missing) for a BYOK call.

    Without a pin, a usable key (active, not expired) wins, newest first. When none is
    usable, the newest unusable key is returned so that the refusal names its real cause.
    """
    from .models import ApiKey, KeyStatus

    keys = ApiKey.objects.filter(organization=organization, provider=provider)
    if pinned_key_id:
        pinned_uuid = _parse_uuid(pinned_key_id)
        key = keys.filter(public_id=pinned_uuid).first() if pinned_uuid else None
        return key, key is None
    key = keys.usable(now).order_by("-created_at", "-id").first()
    if key is None:
        key = (
            keys.exclude(status=KeyStatus.REVOKED).order_by("-created_at", "-id").first()
            or keys.order_by("-created_at", "-id").first()
        )
    return key, False


def _check_org_key(api_key, now):
    """Return a refusal for a key that may not serve a call, or None."""
    from .models import KeyStatus

    name = api_key.label
    provider = _provider_label(api_key.provider)
    if api_key.status == KeyStatus.REVOKED:
        return _refuse(
            Reason.KEY_REVOKED,
            _("The %(provider)s key “%(name)s” is revoked. Add a new key in %(page)s.")
            % {"provider": provider, "name": name, "page": KEYS_PAGE},
        )
    if api_key.status == KeyStatus.REJECTED:
        return _refuse(
            Reason.KEY_REJECTED,
            _(
                "%(provider)s rejected the key “%(name)s” on its last use. Rotate it with a valid "
                "secret in %(page)s."
            )
            % {"provider": provider, "name": name, "page": KEYS_PAGE},
        )
    if api_key.is_expired(now):
        from .reminders import record_expired

        record_expired(api_key)
        return _refuse(
            Reason.KEY_EXPIRED,
            _(
                "The %(provider)s key “%(name)s” expired on %(date)s. Rotate it or change its "
                "expiry in %(page)s."
            )
            % {
                "provider": provider,
                "name": name,
                "date": timezone.localtime(api_key.expires_at).strftime("%Y-%m-%d %H:%M %Z"),
                "page": KEYS_PAGE,
            },
        )
    return None


def _org_credential(api_key, decrypt):
    """Return (Credential, None), or (None, refusal) when the secret cannot be decrypted."""
    from .crypto import SecretUnreadable
    from .plaintext import current_secret

    secret = ""
    if decrypt:
        try:
            secret = current_secret(api_key)
        except SecretUnreadable as exc:
            return None, _refuse(
                Reason.KEY_UNREADABLE,
                _(
                    "The secret of key %(key_id)s cannot be decrypted with the configured "
                    "CRYPTOGRAPHY_KEY. Ask the operator to restore the previous master key in "
                    "CRYPTOGRAPHY_KEY_FALLBACKS, or rotate the key in %(page)s."
                )
                % {"key_id": api_key.public_id, "page": KEYS_PAGE},
                explanation=str(exc),
            )
    credential = Credential(
        provider=api_key.provider,
        api_key=secret,
        base_url=base_url_for(api_key.provider, api_key),
        key_id=str(api_key.public_id),
        fingerprint=api_key.fingerprint,
    )
    return credential, None


def _hosted(organization, provider, decrypt, explanation):
    """Resolve to the operator's hosted credential for provider, or refuse."""
    plan = organization.plan
    label = _provider_label(provider)
    if not plan.hosted_allowed:
        return _refuse(
            Reason.PLAN_BYOK_ONLY,
            _(
                "The %(plan)s plan does not include hosted models. Add your own %(provider)s key "
                "in %(page)s, or upgrade the plan."
            )
            % {"plan": plan.name, "provider": label, "page": KEYS_PAGE},
        )
    secret = _hosted_secret(provider)
    if not secret:
        return _refuse(
            Reason.HOSTED_NOT_CONFIGURED,
            _(
                "Hosted %(provider)s is not configured on this server. Add your own key in "
                "%(page)s, or ask the operator to set %(setting)s."
            )
            % {"provider": label, "page": KEYS_PAGE, "setting": HOSTED_KEY_SETTINGS.get(provider, "")},
        )
    credential = Credential(
        provider=provider,
        api_key=secret if decrypt else "",
        base_url=base_url_for(provider),
        key_id=None,
        fingerprint="",
    )
    return Resolution(
        ok=True, billing_source=BillingSource.HOSTED, credential=credential, explanation=explanation
    )


def _resolve_document(organization, provider, decrypt, now):
    from .models import ApiKey

    if not organization.enrichment_enabled:
        return _refuse(
            Reason.ENRICHMENT_DISABLED,
            _(
                "Image description and media transcription are turned off for this "
                "organization. An admin can turn them on in the organization settings."
            ),
        )
    if organization.plan.byok_allowed:
        api_key = (
            ApiKey.objects.filter(organization=organization, provider="gemini")
            .usable(now)
            .order_by("-created_at", "-id")
            .first()
        )
        if api_key is not None:
            credential, refusal = _org_credential(api_key, decrypt)
            if refusal is not None:
                return refusal
            return Resolution(
                ok=True,
                billing_source=BillingSource.ORG_GOOGLE,
                credential=credential,
                explanation=_(
                    "Uses the organization's Google Gemini key “%(name)s” (…%(fingerprint)s); "
                    "Google bills the organization and no hosted quota is used."
                )
                % {"name": api_key.label, "fingerprint": api_key.fingerprint},
            )
    return _hosted(
        organization,
        provider,
        decrypt,
        _(
            "No active Google Gemini key in %(page)s, so hosted Gemini is used and the hosted "
            "image and media quotas are consumed."
        )
        % {"page": KEYS_PAGE},
    )


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
    The key's status and expiry are read from the database on every call, never cached.
    """
    now = timezone.now()
    purpose = Purpose(purpose)
    strategy = Strategy(strategy)

    if purpose in DOCUMENT_PURPOSES:
        return _resolve_document(organization, provider, decrypt, now)

    if provider == EXTRACTIVE:
        return Resolution(
            ok=True,
            billing_source=BillingSource.HOSTED,
            credential=Credential(provider=EXTRACTIVE, api_key=""),
            explanation=_(
                "The offline extractive model quotes passages from the agent's knowledge; it "
                "needs no provider key."
            ),
        )

    if strategy == Strategy.HOSTED:
        return _hosted(
            organization,
            provider,
            decrypt,
            _("Hosted %(provider)s: billed to the plan's hosted token quota.")
            % {"provider": _provider_label(provider)},
        )

    if not organization.plan.byok_allowed:
        return _refuse(
            Reason.PLAN_NO_BYOK,
            _(
                "The %(plan)s plan does not allow your own provider keys. Switch the agent to a "
                "hosted model, or upgrade the plan."
            )
            % {"plan": organization.plan.name},
        )

    api_key, pinned_missing = _pick_org_key(organization, provider, pinned_key_id, now)
    if api_key is None:
        if pinned_missing:
            message = _(
                "The key pinned to this agent no longer exists. Pick another %(provider)s key "
                "for the agent, or add one in %(page)s."
            )
        else:
            message = _("No %(provider)s key is stored for this organization. Add one in %(page)s.")
        return _refuse(
            Reason.NO_KEY, message % {"provider": _provider_label(provider), "page": KEYS_PAGE}
        )

    refusal = _check_org_key(api_key, now)
    if refusal is not None:
        return refusal

    credential, refusal = _org_credential(api_key, decrypt)
    if refusal is not None:
        return refusal
    return Resolution(
        ok=True,
        billing_source=BillingSource.BYOK,
        credential=credential,
        explanation=_(
            "Uses the organization's %(provider)s key “%(name)s” (…%(fingerprint)s); the "
            "provider bills the organization directly."
        )
        % {
            "provider": _provider_label(provider),
            "name": api_key.label,
            "fingerprint": api_key.fingerprint,
        },
    )


def explain(organization, **kwargs) -> Resolution:
    """Resolve without decrypting, for the routing panel; `Resolution.explanation` gives the reason."""
    kwargs["decrypt"] = False
    return resolve(organization, **kwargs)


def report_provider_rejection(key_id: str, status_code: int, *, detail: str = "") -> None:
    """Mark the org key rejected after a provider 401/403 (or Gemini API_KEY_INVALID).

    Records an AuditEvent and raises the alert shown to admin and security. `detail` must
    already be redacted; it is redacted again before it is stored. Reports for a revoked key
    or one already rejected change nothing, so a burst of failures records one event.
    """
    from orgs import audit

    from .models import ApiKey, KeyStatus

    key_uuid = _parse_uuid(key_id)
    if key_uuid is None:
        logger.warning("Provider rejection reported for an invalid key id %r", key_id)
        return
    error = redact(f"HTTP {status_code}: {detail}" if detail else f"HTTP {status_code}")
    with transaction.atomic():
        changed = ApiKey.objects.filter(public_id=key_uuid, status=KeyStatus.ACTIVE).update(
            status=KeyStatus.REJECTED, last_error=error, updated_at=timezone.now()
        )
        if not changed:
            return
        api_key = ApiKey.objects.select_related("organization").get(public_id=key_uuid)
        audit.record(
            api_key.organization,
            "key.rejected",
            target=api_key,
            details={
                "key_id": str(api_key.public_id),
                "fingerprint": api_key.fingerprint,
                "status_code": status_code,
                "error": error,
            },
        )
    logger.warning("Provider rejected API key %s with HTTP %s", key_uuid, status_code)


def mark_used_statement(key_id: str) -> tuple[str, list] | None:
    """Return the UPDATE (sql, params) that records the org key's use now, or None for a bad id.

    A chat turn runs it in the statement that stores the turn (config.write_batch).
    """
    from .models import ApiKey

    key_uuid = _parse_uuid(key_id)
    if key_uuid is None:
        return None
    meta = ApiKey._meta
    quote = connection.ops.quote_name
    last_used, public_id = meta.get_field("last_used_at"), meta.get_field("public_id")
    sql = f"UPDATE {quote(meta.db_table)} SET {quote(last_used.column)} = %s WHERE {quote(public_id.column)} = %s"
    params = [
        last_used.get_db_prep_save(timezone.now(), connection),
        public_id.get_db_prep_value(key_uuid, connection),
    ]
    return sql, params


def mark_used(key_id: str) -> None:
    """Record that the org key served a call (updates its last-used time)."""
    statement = mark_used_statement(key_id)
    if statement is not None:
        with connection.cursor() as cursor:
            cursor.execute(*statement)
