"""Gemini enrichment of one asset, billed the way keys.resolver decides.

An org Gemini key is billed by Google and leaves the hosted quotas untouched. Hosted Gemini
reserves one image unit per image, or the media minutes rounded up, before the call, and
settles or releases the reservation after it. A refusal (enrichment off, BYOK-only plan
without a Gemini key, hosted Gemini not configured, quota exhausted) records a skipped
Enrichment with the reason and keeps the rest of the document.
"""

import hashlib
import logging
import math
import time

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_noop

from keys.resolver import (
    HOSTED_KEY_SETTINGS,
    BillingSource,
    Purpose,
    Reason,
    mark_used,
    report_provider_rejection,
    resolve,
)
from providers import gemini_media
from usage.quotas import QuotaExhausted, QuotaKind, billing_period, release, reserve, settle
from usage.recording import record_usage

from .extract import Asset
from .messages import StoredMessage
from .models import Enrichment

logger = logging.getLogger(__name__)


def _save(document, asset, digest, *, reason=None, **values):
    values.setdefault("text", "")
    values["reason"] = reason.render() if reason else ""
    values["reason_message"] = reason.to_json() if reason else None
    values.setdefault("units", 0)
    values.setdefault("media_seconds", 0)
    enrichment, _created = Enrichment.objects.update_or_create(
        document=document,
        asset=asset.name[:300],
        defaults={"kind": asset.kind, "content_sha256": digest, **values},
    )
    return enrichment


def _skip(document, asset, digest, reason: StoredMessage):
    return _save(
        document,
        asset,
        digest,
        billing_source=Enrichment.Billing.SKIPPED,
        status=Enrichment.Status.SKIPPED,
        reason=reason,
    )


# keys.resolver returns its refusals already translated into the active language, which is
# English in the worker. These copies of its document-processing refusals have the same
# English text, so the merged catalogs translate them the same way when a page shows them.
KEYS_PAGE = StoredMessage(gettext_noop("Settings → LLM API Keys"))
GEMINI = StoredMessage(gettext_noop("Google Gemini"))


def _refusal_candidate(organization, reason):
    if reason == Reason.ENRICHMENT_DISABLED:
        return StoredMessage(
            gettext_noop(
                "Image description and media transcription are turned off for this "
                "organization. An admin can turn them on in the organization settings."
            )
        )
    if reason == Reason.PLAN_BYOK_ONLY:
        return StoredMessage(
            gettext_noop(
                "The %(plan)s plan does not include hosted models. Add your own %(provider)s key "
                "in %(page)s, or upgrade the plan."
            ),
            plan=organization.plan.name,
            provider=GEMINI,
            page=KEYS_PAGE,
        )
    if reason == Reason.HOSTED_NOT_CONFIGURED:
        return StoredMessage(
            gettext_noop(
                "Hosted %(provider)s is not configured on this server. Add your own key in "
                "%(page)s, or ask the operator to set %(setting)s."
            ),
            provider=GEMINI,
            page=KEYS_PAGE,
            setting=HOSTED_KEY_SETTINGS["gemini"],
        )
    return None


def refusal_message(organization, resolution):
    """Return the StoredMessage of a refused Resolution for document processing.

    A refusal without a copy here, or whose copy no longer renders as keys.resolver's message
    (its wording changed), is stored as the resolver's text, in the worker's language.
    """
    candidate = _refusal_candidate(organization, resolution.reason)
    if candidate is not None and candidate.render() == resolution.message:
        return candidate
    if candidate is not None:
        logger.warning(
            "Enrichment refusal %s does not match keys.resolver's message, so its text is stored", resolution.reason
        )
    return StoredMessage.literal(resolution.message)


def quota_message(organization, error: QuotaExhausted):
    """Return the StoredMessage of a used-up image or media quota.

    QuotaExhausted carries no reset date, so it is computed the way usage.quotas.reserve finds
    the current period. When that does not reproduce the error's text (the period changed at
    midnight), the text is stored as it is.
    """
    _start, reset = billing_period(organization.plan.billing_day, timezone.localdate())
    candidate = StoredMessage.quota_exhausted(error, reset)
    if candidate.render() == str(error):
        return candidate
    logger.warning(
        "Quota message of %s for organization %s not rebuilt, so its text is stored", error.kind, organization.pk
    )
    return StoredMessage.literal(str(error))


def _call_gemini(asset, credential):
    base_url = credential.base_url  # keys.resolver applies GEMINI_BASE_URL
    if asset.kind == "image":
        return gemini_media.describe_image(
            api_key=credential.api_key,
            base_url=base_url,
            model=settings.KNOWLEDGE_GEMINI_MODEL,
            data=asset.data,
            mime_type=asset.mime_type,
        )
    return gemini_media.transcribe_media(
        api_key=credential.api_key,
        base_url=base_url,
        model=settings.KNOWLEDGE_GEMINI_MODEL,
        data=asset.data,
        mime_type=asset.mime_type,
        inline_max_bytes=int(settings.KNOWLEDGE_GEMINI_INLINE_MAX_MB * 1024 * 1024),
        file_timeout_seconds=settings.KNOWLEDGE_GEMINI_FILE_TIMEOUT_SECONDS,
        poll_seconds=settings.KNOWLEDGE_GEMINI_POLL_SECONDS,
    )


def enrich_asset(document, asset: Asset) -> Enrichment:
    """Describe or transcribe asset and return its Enrichment row (done, skipped or failed).

    A row already done for the same asset bytes is returned as it is, so a re-run pays nothing.
    """
    digest = hashlib.sha256(asset.data).hexdigest()
    existing = Enrichment.objects.filter(document=document, asset=asset.name[:300]).first()
    if existing and existing.status == Enrichment.Status.DONE and existing.content_sha256 == digest:
        return existing

    organization = document.organization
    if not organization.enrichment_enabled:
        return _skip(
            document,
            asset,
            digest,
            StoredMessage(
                gettext_noop(
                    "Enrichment is turned off for your organization. An admin can turn it on on the Knowledge page."
                )
            ),
        )

    is_image = asset.kind == "image"
    purpose = Purpose.IMAGE if is_image else Purpose.MEDIA
    resolution = resolve(organization, purpose=purpose, provider="gemini")
    if not resolution.ok:
        return _skip(document, asset, digest, refusal_message(organization, resolution))

    hosted = resolution.billing_source == BillingSource.HOSTED
    amount = 1 if is_image else math.ceil(asset.seconds / 60)
    reservation = None
    if hosted:
        kind = QuotaKind.IMAGE_UNITS if is_image else QuotaKind.MEDIA_MINUTES
        try:
            reservation = reserve(organization, kind, amount)
        except QuotaExhausted as error:
            return _skip(document, asset, digest, quota_message(organization, error))

    credential = resolution.credential
    started = time.monotonic()
    try:
        result = _call_gemini(asset, credential)
    except gemini_media.GeminiMediaError as error:
        if reservation is not None:
            release(reservation)
        if error.key_rejected and credential.key_id:
            report_provider_rejection(credential.key_id, error.status_code or 401, detail=str(error))
        logger.warning(
            "Gemini enrichment of %s in document %s failed: %s", asset.name, document.public_id, error
        )
        record_usage(
            organization,
            purpose=str(purpose),
            provider="gemini",
            model=settings.KNOWLEDGE_GEMINI_MODEL,
            billing_source=str(resolution.billing_source),
            key_id=credential.key_id or "",
            status="failed",
            error_code=str(error.status_code or ""),
            counts_against_quota=False,
        )
        return _save(
            document,
            asset,
            digest,
            billing_source=Enrichment.Billing.SKIPPED,
            status=Enrichment.Status.FAILED,
            # The error detail comes from Gemini or the SDK, in English.
            reason=StoredMessage(gettext_noop("Gemini could not process this asset: %(error)s"), error=str(error)),
        )

    if reservation is not None:
        settle(reservation, amount)
    if credential.key_id:
        mark_used(credential.key_id)
    record_usage(
        organization,
        purpose=str(purpose),
        provider="gemini",
        model=result.model,
        billing_source=str(resolution.billing_source),
        key_id=credential.key_id or "",
        input_tokens=result.input_tokens,
        output_tokens=result.output_tokens,
        units=1 if is_image else 0,
        media_seconds=0 if is_image else asset.seconds,
        latency_ms=int((time.monotonic() - started) * 1000),
        counts_against_quota=hosted,
    )
    return _save(
        document,
        asset,
        digest,
        billing_source=Enrichment.Billing.HOSTED if hosted else Enrichment.Billing.ORG_GOOGLE,
        status=Enrichment.Status.DONE,
        text=result.text,
        units=1 if is_image else 0,
        media_seconds=0 if is_image else asset.seconds,
    )
