import datetime

import pytest
from django.utils import timezone

from keys import resolver
from keys.models import ApiKey, KeyStatus, KeyVersion
from keys.resolver import BillingSource, Purpose, Reason, Strategy, resolve
from orgs.models import AuditEvent

from .helpers import make_key, new_master_key

HOSTED = {
    "HOSTED_OPENAI_API_KEY": "hosted-openai-secret",
    "HOSTED_ANTHROPIC_API_KEY": "hosted-anthropic-secret",
    "HOSTED_GEMINI_API_KEY": "hosted-gemini-secret",
}


@pytest.fixture
def hosted(settings):
    for name, value in HOSTED.items():
        setattr(settings, name, value)
    return settings


def _no_key(org):
    return None


def _expired_second_ago(org):
    api_key, _ = make_key(org)
    api_key.expires_at = timezone.now() - datetime.timedelta(seconds=1)
    api_key.save()
    return api_key


def _revoked(org):
    api_key, _ = make_key(org)
    ApiKey.objects.filter(pk=api_key.pk).update(status=KeyStatus.REVOKED)
    return api_key


def _rejected(org):
    api_key, _ = make_key(org)
    ApiKey.objects.filter(pk=api_key.pk).update(status=KeyStatus.REJECTED)
    return api_key


def _byok_only_plan(org):
    org.plan.hosted_allowed = False
    org.plan.save()


def _plan_without_byok(org):
    make_key(org)
    org.plan.byok_allowed = False
    org.plan.save()


REFUSALS = [
    # (case, setup, purpose, strategy, provider, expected reason)
    ("no key", _no_key, Purpose.CHAT, Strategy.BYOK, "openai", Reason.NO_KEY),
    ("expired a second ago", _expired_second_ago, Purpose.CHAT, Strategy.BYOK, "openai", Reason.KEY_EXPIRED),
    ("revoked", _revoked, Purpose.CHAT, Strategy.BYOK, "openai", Reason.KEY_REVOKED),
    ("rejected", _rejected, Purpose.CHAT, Strategy.BYOK, "openai", Reason.KEY_REJECTED),
    ("plan BYOK-only", _byok_only_plan, Purpose.CHAT, Strategy.HOSTED, "openai", Reason.PLAN_BYOK_ONLY),
    ("plan without BYOK", _plan_without_byok, Purpose.EVAL, Strategy.BYOK, "openai", Reason.PLAN_NO_BYOK),
]


@pytest.mark.parametrize(
    "setup,purpose,strategy,provider,reason",
    [case[1:] for case in REFUSALS],
    ids=[case[0] for case in REFUSALS],
)
def test_resolve_refusals(org, hosted, setup, purpose, strategy, provider, reason):
    setup(org)

    resolution = resolve(org, purpose=purpose, provider=provider, strategy=strategy)

    assert resolution.ok is False
    assert resolution.reason == reason
    assert resolution.credential is None
    assert "Settings → LLM API Keys" in resolution.message or reason == Reason.PLAN_NO_BYOK


def test_byok_never_falls_back_to_hosted(org, hosted):
    _expired_second_ago(org)

    resolution = resolve(org, purpose=Purpose.CHAT, provider="openai", strategy=Strategy.BYOK)

    assert resolution.billing_source is None
    assert resolution.reason == Reason.KEY_EXPIRED


def test_byok_active_key_resolves(org, hosted):
    api_key, secret = make_key(org, base_url="https://gateway.example.com/v1")

    resolution = resolve(org, purpose=Purpose.CHAT, provider="openai", strategy=Strategy.BYOK)

    assert resolution.ok
    assert resolution.billing_source == BillingSource.BYOK
    assert resolution.credential.api_key == secret
    assert resolution.credential.key_id == str(api_key.public_id)
    assert resolution.credential.base_url == "https://gateway.example.com/v1"
    assert resolution.credential.fingerprint == secret[-4:]
    assert secret not in repr(resolution)
    assert secret not in str(resolution.credential)


def test_byok_prefers_usable_key_over_newer_expired(org, hosted):
    usable, secret = make_key(org, label="Old but valid")
    _expired_second_ago(org)

    resolution = resolve(org, purpose=Purpose.CHAT, provider="openai", strategy=Strategy.BYOK)

    assert resolution.ok
    assert resolution.credential.key_id == str(usable.public_id)


def test_pinned_key_wins(org, hosted):
    make_key(org, label="Default")
    pinned, secret = make_key(org, label="Pinned")

    resolution = resolve(
        org,
        purpose=Purpose.CHAT,
        provider="openai",
        strategy=Strategy.BYOK,
        pinned_key_id=str(pinned.public_id),
    )

    assert resolution.credential.key_id == str(pinned.public_id)
    assert resolution.credential.api_key == secret


def test_pinned_expired_key_refused_despite_other_key(org, hosted):
    make_key(org, label="Default")
    pinned = _expired_second_ago(org)

    resolution = resolve(
        org,
        purpose=Purpose.CHAT,
        provider="openai",
        strategy=Strategy.BYOK,
        pinned_key_id=str(pinned.public_id),
    )

    assert resolution.reason == Reason.KEY_EXPIRED


def test_pinned_key_of_other_org_is_no_key(org, other_org, hosted):
    foreign, _ = make_key(other_org)

    resolution = resolve(
        org,
        purpose=Purpose.CHAT,
        provider="openai",
        strategy=Strategy.BYOK,
        pinned_key_id=str(foreign.public_id),
    )

    assert resolution.reason == Reason.NO_KEY


def test_hosted_resolves_with_base_url_setting(org, hosted):
    hosted.OPENAI_BASE_URL = "http://127.0.0.1:9/v1"

    resolution = resolve(org, purpose=Purpose.CHAT, provider="openai", strategy=Strategy.HOSTED)

    assert resolution.ok
    assert resolution.billing_source == BillingSource.HOSTED
    assert resolution.credential.api_key == HOSTED["HOSTED_OPENAI_API_KEY"]
    assert resolution.credential.base_url == "http://127.0.0.1:9/v1"
    assert resolution.credential.key_id is None


def test_hosted_not_configured(org, hosted):
    hosted.HOSTED_ANTHROPIC_API_KEY = ""

    resolution = resolve(org, purpose=Purpose.CHAT, provider="anthropic", strategy=Strategy.HOSTED)

    assert resolution.reason == Reason.HOSTED_NOT_CONFIGURED
    assert "HOSTED_ANTHROPIC_API_KEY" in resolution.message


def test_extractive_always_hosted(org, settings):
    settings.HOSTED_OPENAI_API_KEY = ""
    org.plan.hosted_allowed = False
    org.plan.save()

    resolution = resolve(org, purpose=Purpose.CHAT, provider="extractive", strategy=Strategy.BYOK)

    assert resolution.ok
    assert resolution.billing_source == BillingSource.HOSTED
    assert resolution.credential.api_key == ""


def test_org_gemini_key_for_documents(org, hosted):
    api_key, secret = make_key(org, provider="gemini", secret="AIza-org-gemini-secret-0001")

    for purpose in (Purpose.IMAGE, Purpose.MEDIA):
        resolution = resolve(org, purpose=purpose, provider="gemini")
        assert resolution.billing_source == BillingSource.ORG_GOOGLE
        assert resolution.credential.api_key == secret
        assert resolution.credential.key_id == str(api_key.public_id)


def test_documents_fall_back_to_hosted_gemini(org, hosted):
    _expired = make_key(org, provider="gemini", expires_at=timezone.now() - datetime.timedelta(days=1))

    resolution = resolve(org, purpose=Purpose.IMAGE, provider="gemini")

    assert resolution.billing_source == BillingSource.HOSTED
    assert resolution.credential.api_key == HOSTED["HOSTED_GEMINI_API_KEY"]


def test_documents_skipped_without_hosted_or_key(org, hosted):
    hosted.HOSTED_GEMINI_API_KEY = ""

    resolution = resolve(org, purpose=Purpose.MEDIA, provider="gemini")

    assert resolution.reason == Reason.HOSTED_NOT_CONFIGURED


def test_documents_refused_when_enrichment_disabled(org, hosted):
    make_key(org, provider="gemini")
    org.enrichment_enabled = False
    org.save()

    resolution = resolve(org, purpose=Purpose.IMAGE, provider="gemini")

    assert resolution.reason == Reason.ENRICHMENT_DISABLED


def test_documents_plan_byok_only_without_key(org, hosted):
    _byok_only_plan(org)

    resolution = resolve(org, purpose=Purpose.IMAGE, provider="gemini")

    assert resolution.reason == Reason.PLAN_BYOK_ONLY


def test_decrypt_failure_is_key_unreadable(org, hosted, settings):
    api_key, _ = make_key(org)
    settings.CRYPTOGRAPHY_KEY = new_master_key()
    settings.CRYPTOGRAPHY_KEY_FALLBACKS = []

    resolution = resolve(org, purpose=Purpose.CHAT, provider="openai", strategy=Strategy.BYOK)

    assert resolution.reason == Reason.KEY_UNREADABLE
    assert resolution.credential is None
    assert str(api_key.public_id) in resolution.message


def test_decrypt_false_carries_no_secret(org, hosted):
    make_key(org)

    resolution = resolver.explain(org, purpose=Purpose.CHAT, provider="openai", strategy=Strategy.BYOK)

    assert resolution.ok
    assert resolution.credential.api_key == ""
    assert "Main" in resolution.explanation


def test_expiry_read_on_every_call(org, hosted):
    api_key, _ = make_key(org)
    assert resolve(org, purpose=Purpose.CHAT, provider="openai", strategy=Strategy.BYOK).ok

    ApiKey.objects.filter(pk=api_key.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    assert resolve(org, purpose=Purpose.CHAT, provider="openai", strategy=Strategy.BYOK).reason == Reason.KEY_EXPIRED


def test_report_provider_rejection(org, hosted):
    api_key, secret = make_key(org)

    resolver.report_provider_rejection(str(api_key.public_id), 401, detail=f"invalid key {secret}")
    resolver.report_provider_rejection(str(api_key.public_id), 401, detail="again")

    api_key.refresh_from_db()
    assert api_key.status == KeyStatus.REJECTED
    assert secret not in api_key.last_error
    assert "401" in api_key.last_error
    events = AuditEvent.objects.filter(organization=org, action="key.rejected")
    assert events.count() == 1
    assert secret not in str(events.get().details)
    refused = resolve(org, purpose=Purpose.CHAT, provider="openai", strategy=Strategy.BYOK)
    assert refused.reason == Reason.KEY_REJECTED


def test_report_rejection_ignores_bad_id(org):
    resolver.report_provider_rejection("not-a-uuid", 401)

    assert not AuditEvent.objects.filter(action="key.rejected").exists()


def test_mark_used_sets_last_used(org):
    api_key, _ = make_key(org)

    resolver.mark_used(str(api_key.public_id))
    resolver.mark_used("nonsense")

    api_key.refresh_from_db()
    assert api_key.last_used_at is not None


def test_no_current_version_is_unreadable(org, hosted):
    api_key, _ = make_key(org)
    KeyVersion.objects.filter(api_key=api_key).update(retired_at=timezone.now())

    resolution = resolve(org, purpose=Purpose.CHAT, provider="openai", strategy=Strategy.BYOK)

    assert resolution.reason == Reason.KEY_UNREADABLE
