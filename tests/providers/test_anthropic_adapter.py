"""Anthropic adapter: request shape and error mapping through the anthropic SDK against the fake."""

import asyncio

import pytest

from providers import ChatMessage, ChatRequest, ErrorCode, ProviderError, RetryPolicy, get_adapter

NO_RETRIES = RetryPolicy(max_retries=0)


def adapter_for(fake):
    return get_adapter("anthropic", api_key="sk-ant-test", base_url=fake.base_url, retry_policy=NO_RETRIES)


def request(**overrides):
    fields = {
        "model": "claude-haiku-4-5",
        "system_prompt": "Be brief.",
        "messages": [ChatMessage("user", "Hi"), ChatMessage("assistant", "Hello"), ChatMessage("user", "Refunds?")],
        "max_output_tokens": 300,
    }
    fields.update(overrides)
    return ChatRequest(**fields)


def test_request_shape(fake_anthropic):
    asyncio.run(adapter_for(fake_anthropic).chat(request()))

    sent = fake_anthropic.requests[0]
    body = sent.json
    assert sent.path == "/v1/messages"
    assert fake_anthropic.key_of(sent) == "sk-ant-test"
    assert body["system"] == "Be brief."
    assert body["max_tokens"] == 300
    assert [message["role"] for message in body["messages"]] == ["user", "assistant", "user"]


def test_no_system_prompt_omits_system(fake_anthropic):
    asyncio.run(adapter_for(fake_anthropic).chat(request(system_prompt="")))

    assert "system" not in fake_anthropic.requests[0].json


@pytest.mark.parametrize(
    ("status", "message", "expected"),
    [
        (401, None, ErrorCode.AUTHENTICATION_FAILED),
        (403, None, ErrorCode.PERMISSION_DENIED),
        (404, None, ErrorCode.MODEL_NOT_FOUND),
        (429, None, ErrorCode.RATE_LIMITED),
        (402, None, ErrorCode.PROVIDER_QUOTA_EXHAUSTED),
        (400, "Your credit balance is too low to access the Anthropic API.", ErrorCode.PROVIDER_QUOTA_EXHAUSTED),
        (400, "prompt is too long: 250000 tokens > 200000 maximum", ErrorCode.BAD_REQUEST),
        (413, None, ErrorCode.BAD_REQUEST),
        (500, None, ErrorCode.PROVIDER_UNAVAILABLE),
        (529, None, ErrorCode.PROVIDER_UNAVAILABLE),
    ],
)
def test_error_mapping(fake_anthropic, status, message, expected):
    fake_anthropic.fail(status, message=message, retry_after=3 if status == 429 else None)

    with pytest.raises(ProviderError) as caught:
        asyncio.run(adapter_for(fake_anthropic).chat(request()))

    error = caught.value
    assert error.code == expected
    assert error.status_code == status
    assert error.provider == "anthropic"
    assert error.request_id.startswith("req_fake")
    assert error.retry_after == (3 if status == 429 else None)


def test_overloaded_is_retried(fake_anthropic):
    fake_anthropic.fail(529)
    adapter = get_adapter(
        "anthropic", api_key="sk-ant-test", base_url=fake_anthropic.base_url, retry_policy=RetryPolicy(base_delay=0.01)
    )

    result = asyncio.run(adapter.chat(request()))

    assert result.text == fake_anthropic.answer_text
    assert len(fake_anthropic.requests) == 2


def test_stream_error_event_type_is_mapped(fake_anthropic):
    fake_anthropic.break_stream(after_deltas=1, code="rate_limit_error", message="Too many requests")

    async def consume():
        async for _ in adapter_for(fake_anthropic).stream(request()):
            pass

    with pytest.raises(ProviderError) as caught:
        asyncio.run(consume())

    assert caught.value.code == ErrorCode.RATE_LIMITED
