"""providers.get_adapter, shared_adapter and validate_key."""

import asyncio

import pytest

from providers import (
    AuthenticationFailed,
    ChatAdapter,
    ChatMessage,
    ChatRequest,
    ErrorCode,
    ProviderError,
    get_adapter,
    shared_adapter,
    validate_key,
)
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
    with pytest.raises(ValueError, match="Missing api_key for provider 'openai'"):
        get_adapter("openai", api_key="", base_url="http://127.0.0.1:9/v1")


def test_extractive_needs_no_key():
    assert isinstance(get_adapter("extractive", api_key=""), ExtractiveAdapter)


def test_shared_adapter_reused_per_settings(fake_openai):
    first = shared_adapter("openai", api_key="key-one", base_url=fake_openai.base_url)
    again = shared_adapter("openai", api_key="key-one", base_url=fake_openai.base_url)
    other_key = shared_adapter("openai", api_key="key-two", base_url=fake_openai.base_url)
    other_timeout = shared_adapter("openai", api_key="key-one", base_url=fake_openai.base_url, timeout=5)

    assert first is again
    assert first is not other_key
    assert first is not other_timeout
    assert "key-one" not in repr(first)


def test_shared_adapter_survives_aclose(fake_openai):
    adapter = shared_adapter("openai", api_key="key-shared", base_url=fake_openai.base_url)
    request = ChatRequest(model="gpt-5.4-mini", messages=[ChatMessage("user", "Hi")])

    async def chat_close_chat():
        first = await adapter.chat(request)
        client = adapter._client
        await adapter.aclose()
        second = await adapter.chat(request)
        return first, second, client is adapter._client

    first, second, same_client = asyncio.run(chat_close_chat())

    assert first.text == second.text == fake_openai.answer_text
    assert same_client


def test_client_reused_within_loop_and_rebuilt_across_loops(fake_openai):
    adapter = get_adapter("openai", api_key="k", base_url=fake_openai.base_url)
    request = ChatRequest(model="gpt-5.4-mini", messages=[ChatMessage("user", "Hi")])

    async def two_calls():
        await adapter.chat(request)
        client = adapter._client
        await adapter.chat(request)
        return client, adapter._client

    first_loop = asyncio.run(two_calls())
    second_loop = asyncio.run(two_calls())

    assert first_loop[0] is first_loop[1]
    assert second_loop[0] is second_loop[1]
    assert first_loop[0] is not second_loop[0]
    assert len(fake_openai.requests) == 4


@pytest.mark.parametrize("provider", ["openai", "anthropic", "gemini", "extractive"])
def test_every_adapter_meets_protocol(provider):
    adapter = get_adapter(provider, api_key="k", base_url="http://127.0.0.1:9")

    assert isinstance(adapter, ChatAdapter)
    assert adapter.provider == provider
