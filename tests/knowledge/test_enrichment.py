"""Gemini enrichment through the real google-genai SDK against the fake Gemini server.

Covers each billing path: the org Gemini key (billed by Google, hosted quota untouched),
hosted Gemini (quota consumed), a BYOK-only plan without a key (skipped), an exhausted
quota (skipped), a rejected key, and large media through the Files API.
"""

import pytest
from django.utils import translation

from keys.models import ApiKey, KeyStatus
from keys.resolver import Purpose, Reason, Resolution, resolve
from keys.services import create_key
from knowledge.enrichment import refusal_message
from knowledge.models import Chunk, Document, Enrichment
from knowledge.pipeline import process_document, queue_document
from knowledge.search import search
from tests.fakes.gemini_media import REJECTED_KEY, FakeGemini
from usage.models import UsageEvent
from usage.quotas import QuotaKind, remaining

from .media import image_only_pdf_bytes, png_bytes, wav_bytes

pytestmark = pytest.mark.django_db
ORG_SECRET = "AIzaSy-org-gemini-key-0001"
HOSTED_SECRET = "AIzaSy-hosted-gemini-key-0002"


@pytest.fixture
def gemini(settings):
    with FakeGemini(processing_polls=2) as fake:
        settings.GEMINI_BASE_URL = fake.base_url
        settings.ALLOW_PRIVATE_PROVIDER_URLS = True
        settings.KNOWLEDGE_GEMINI_POLL_SECONDS = 0.01
        yield fake


@pytest.fixture
def hosted_gemini(settings, gemini):
    settings.HOSTED_GEMINI_API_KEY = HOSTED_SECRET
    return gemini


def org_key(org, secret=ORG_SECRET):
    return create_key(org, provider="gemini", label="Google", secret=secret)


def only_enrichment(document):
    enrichments = list(Enrichment.objects.filter(document=document))
    assert len(enrichments) == 1
    return enrichments[0]


def test_org_key_bills_google_and_keeps_hosted_quota(org, ingest, hosted_gemini):
    org_key(org)
    before = remaining(org, QuotaKind.IMAGE_UNITS)

    document = ingest("bike.png", png_bytes())

    enrichment = only_enrichment(document)
    assert document.status == Document.Status.READY, document.status_reason
    assert enrichment.billing_source == Enrichment.Billing.ORG_GOOGLE
    assert enrichment.status == Enrichment.Status.DONE
    assert "red bicycle" in enrichment.text
    assert remaining(org, QuotaKind.IMAGE_UNITS) == before
    assert [key for _method, _path, key in hosted_gemini.requests] == [ORG_SECRET]
    event = UsageEvent.objects.get(organization=org, purpose="image")
    assert event.billing_source == "org_google"
    assert event.input_tokens == 258
    assert search(org, [document.knowledge_base_id], "bicycle")


def test_hosted_consumes_one_image_unit(org, ingest, hosted_gemini):
    before = remaining(org, QuotaKind.IMAGE_UNITS)

    document = ingest("bike.png", png_bytes())

    enrichment = only_enrichment(document)
    assert enrichment.billing_source == Enrichment.Billing.HOSTED
    assert enrichment.units == 1
    assert remaining(org, QuotaKind.IMAGE_UNITS) == before - 1
    assert [key for _method, _path, key in hosted_gemini.requests] == [HOSTED_SECRET]
    assert UsageEvent.objects.get(organization=org, purpose="image").billing_source == "hosted"


def test_byok_only_plan_without_key_skips(org, ingest, hosted_gemini):
    org.plan.hosted_allowed = False
    org.plan.save()

    document = ingest("bike.png", png_bytes())

    enrichment = only_enrichment(document)
    assert enrichment.status == Enrichment.Status.SKIPPED
    assert enrichment.billing_source == Enrichment.Billing.SKIPPED
    assert "plan" in enrichment.reason
    assert document.status == Document.Status.READY_WITH_WARNINGS
    assert "bike.png" in document.status_reason
    assert hosted_gemini.requests == []


def test_exhausted_quota_skips_and_keeps_text(org, ingest, hosted_gemini):
    org.plan.monthly_image_units = 0
    org.plan.save()

    document = ingest("scan.pdf", image_only_pdf_bytes())

    enrichment = only_enrichment(document)
    assert enrichment.status == Enrichment.Status.SKIPPED
    assert enrichment.reason
    assert hosted_gemini.requests == []
    # A PDF without a text layer is never "ready" with nothing but its enrichment missing.
    assert document.status == Document.Status.FAILED
    assert "no extractable text" in document.status_reason


def test_enrichment_disabled_skips_without_call(org, ingest, hosted_gemini):
    org.enrichment_enabled = False
    org.save()

    document = ingest("bike.png", png_bytes())

    assert only_enrichment(document).status == Enrichment.Status.SKIPPED
    assert "turned off" in only_enrichment(document).reason
    assert hosted_gemini.requests == []


def test_pdf_without_text_layer_describes_page_image(org, ingest, gemini):
    org_key(org)

    document = ingest("scan.pdf", image_only_pdf_bytes())

    enrichment = only_enrichment(document)
    assert document.status == Document.Status.READY, document.status_reason
    assert enrichment.asset == "page 1"
    assert Chunk.objects.get(document=document).page == 1


def test_small_audio_is_sent_inline(org, ingest, hosted_gemini):
    document = ingest("clip.wav", wav_bytes(seconds=2))

    enrichment = only_enrichment(document)
    assert enrichment.kind == Enrichment.Kind.MEDIA
    assert enrichment.media_seconds == 2
    assert "inline audio/x-wav" in enrichment.text
    assert remaining(org, QuotaKind.MEDIA_MINUTES) == org.plan.monthly_media_minutes - 1
    assert hosted_gemini.files == {}


def test_large_media_uses_files_api_and_deletes_upload(org, ingest, gemini, settings):
    settings.KNOWLEDGE_GEMINI_INLINE_MAX_MB = 0.001
    org_key(org)
    audio = wav_bytes(seconds=3)

    document = ingest("talk.wav", audio)

    enrichment = only_enrichment(document)
    assert enrichment.status == Enrichment.Status.DONE, enrichment.reason
    assert f"file audio/x-wav of {len(audio)} bytes" in enrichment.text
    assert list(gemini.files) == ["fake1"]
    assert gemini.files["fake1"]["polls"] >= 2
    assert gemini.deleted == ["fake1"]
    assert remaining(org, QuotaKind.MEDIA_MINUTES) == org.plan.monthly_media_minutes


def test_files_api_deletes_upload_when_generation_fails(org, ingest, hosted_gemini, settings):
    settings.KNOWLEDGE_GEMINI_INLINE_MAX_MB = 0.001
    hosted_gemini.fail_generate_status = 500
    before = remaining(org, QuotaKind.MEDIA_MINUTES)

    document = ingest("talk.wav", wav_bytes(seconds=3))

    enrichment = only_enrichment(document)
    assert enrichment.status == Enrichment.Status.FAILED
    assert "500" in enrichment.reason
    assert hosted_gemini.deleted == ["fake1"]
    assert remaining(org, QuotaKind.MEDIA_MINUTES) == before
    assert document.status == Document.Status.READY_WITH_WARNINGS


def test_rejected_key_is_reported(org, ingest, gemini):
    api_key = org_key(org, secret=REJECTED_KEY)

    document = ingest("bike.png", png_bytes())

    api_key.refresh_from_db()
    enrichment = only_enrichment(document)
    assert enrichment.status == Enrichment.Status.FAILED
    assert api_key.status == KeyStatus.REJECTED
    assert REJECTED_KEY not in enrichment.reason
    assert REJECTED_KEY not in document.status_reason


def test_reprocess_after_key_added_describes_skipped_image(org, ingest, gemini):
    org.plan.hosted_allowed = False
    org.plan.save()
    document = ingest("bike.png", png_bytes())
    assert only_enrichment(document).status == Enrichment.Status.SKIPPED

    org_key(org)
    queue_document(document, enqueue=False)
    process_document(document.pk)

    document.refresh_from_db()
    assert only_enrichment(document).status == Enrichment.Status.DONE
    assert document.status == Document.Status.READY


def test_rerun_reuses_done_enrichment(org, ingest, gemini):
    org_key(org)
    document = ingest("bike.png", png_bytes())
    calls = len(gemini.generate_bodies)

    queue_document(document, enqueue=False)
    process_document(document.pk)

    assert len(gemini.generate_bodies) == calls
    assert UsageEvent.objects.filter(organization=org, purpose="image").count() == 1
    assert Chunk.objects.filter(document=document).count() == 1


def test_refusal_reason_translates_when_shown(org, ingest, hosted_gemini):
    org.plan.hosted_allowed = False
    org.plan.save()

    enrichment = only_enrichment(ingest("bike.png", png_bytes()))

    refusal = resolve(org, purpose=Purpose.IMAGE, provider="gemini", decrypt=False)
    assert enrichment.reason == refusal.message
    assert enrichment.reason_message["msgid"].startswith("The %(plan)s plan does not include hosted models.")
    with translation.override("zh-hans"):
        assert enrichment.get_reason_display() == (
            "Test plan 套餐不包含托管模型。请在 设置 → LLM API 密钥 中添加您自己的 Google Gemini 密钥，或升级套餐。"
        )


def test_hosted_not_configured_reason_matches_resolver(org, ingest):
    enrichment = only_enrichment(ingest("bike.png", png_bytes()))

    assert enrichment.reason_message["msgid"].startswith("Hosted %(provider)s is not configured")
    assert enrichment.get_reason_display() == enrichment.reason
    assert "HOSTED_GEMINI_API_KEY" in enrichment.reason


def test_reworded_refusal_stored_as_text(org):
    refusal = Resolution(ok=False, reason=Reason.HOSTED_NOT_CONFIGURED, message="Reworded by keys.")

    message = refusal_message(org, refusal)

    assert message.to_json() == {"text": "Reworded by keys."}


def test_quota_reason_translates_when_shown(org, ingest, hosted_gemini):
    org.plan.monthly_image_units = 0
    org.plan.save()

    enrichment = only_enrichment(ingest("bike.png", png_bytes()))

    assert "quota" in enrichment.reason_message
    assert enrichment.get_reason_display() == enrichment.reason
    assert enrichment.reason.startswith("The image recognition quota of this billing period is used up: 0 of 0")
    with translation.override("zh-hans"):
        assert enrichment.get_reason_display().startswith("本计费周期的图像识别配额已用完：0 张图像中已使用或预留 0 张")


def test_gemini_failure_translates_around_provider_detail(org, ingest, gemini):
    org_key(org)
    gemini.fail_generate_status = 500

    enrichment = only_enrichment(ingest("bike.png", png_bytes()))

    detail = enrichment.reason_message["params"]["error"]
    assert "The model is overloaded." in detail
    assert enrichment.reason == f"Gemini could not process this asset: {detail}"
    with translation.override("zh-hans"):
        assert enrichment.get_reason_display() == f"Gemini 无法处理此素材：{detail}"
