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
from django.utils.translation import gettext as _

from keys.resolver import BillingSource, Purpose, mark_used, report_provider_rejection, resolve
from providers import gemini_media
from usage.quotas import QuotaExhausted, QuotaKind, release, reserve, settle
from usage.recording import record_usage

from .extract import Asset
from .models import Enrichment

logger = logging.getLogger(__name__)


def _save(document, asset, digest, **values):
    values.setdefault("text", "")
    values.setdefault("reason", "")
    values.setdefault("units", 0)
    values.setdefault("media_seconds", 0)
    enrichment, _created = Enrichment.objects.update_or_create(
        document=document,
        asset=asset.name[:300],
        defaults={"kind": asset.kind, "content_sha256": digest, **values},
    )
    return enrichment


def _skip(document, asset, digest, reason):
    return _save(
        document,
        asset,
        digest,
        billing_source=Enrichment.Billing.SKIPPED,
        status=Enrichment.Status.SKIPPED,
        reason=reason,
    )


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
            _("Enrichment is turned off for your organization. An admin can turn it on on the Knowledge page."),
        )

    is_image = asset.kind == "image"
    purpose = Purpose.IMAGE if is_image else Purpose.MEDIA
    resolution = resolve(organization, purpose=purpose, provider="gemini")
    if not resolution.ok:
        return _skip(document, asset, digest, resolution.message)

    hosted = resolution.billing_source == BillingSource.HOSTED
    amount = 1 if is_image else math.ceil(asset.seconds / 60)
    reservation = None
    if hosted:
        kind = QuotaKind.IMAGE_UNITS if is_image else QuotaKind.MEDIA_MINUTES
        try:
            reservation = reserve(organization, kind, amount)
        except QuotaExhausted as error:
            return _skip(document, asset, digest, str(error))

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
            reason=_("Gemini could not process this asset: %(error)s") % {"error": error},
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
