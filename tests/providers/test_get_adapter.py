"""providers.get_adapter and providers.validate_key."""

import pytest

from providers import AuthenticationFailed, ErrorCode, ProviderError, get_adapter, validate_key
from providers.extractive import ExtractiveAdapter


def test_validate_key_accepts_good_key(fake):
    validate_key(fake.provider, "good-key", base_url=fake.base_url)

    assert len(fake.requests) == 1
    assert fake.requests[0].method == "GET"
    assert fake.requests[0].path.endswith("/models")


def test_validate_key_rejects_invalid_key(fake):
    fake.invalid_keys.add("revoked-key")

    with pytest.raises(AuthenticationFailed) as caught:
        validate_key(fake.provider, "revoked-key", base_url=fake.base_url)

    assert "revoked-key" not in str(caught.value)
    assert len(fake.requests) == 1


def test_validate_key_reports_permission_denied(fake):
    fake.fail(403)

    with pytest.raises(ProviderError) as caught:
        validate_key(fake.provider, "good-key", base_url=fake.base_url)

    assert caught.value.code == ErrorCode.PERMISSION_DENIED


def test_unknown_provider_rejected():
    with pytest.raises(ValueError, match="Unknown provider 'mistral'"):
        get_adapter("mistral", api_key="x")


def test_empty_key_rejected():
    with pytest.raises(ValueError, match="non-empty api_key"):
        get_adapter("openai", api_key="", base_url="http://127.0.0.1:9/v1")


def test_extractive_needs_no_key():
    assert isinstance(get_adapter("extractive", api_key=""), ExtractiveAdapter)
