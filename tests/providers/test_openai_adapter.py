"""OpenAI adapter: request shape and error mapping through the openai SDK against the fake."""

import asyncio

import pytest

from providers import ChatMessage, ChatRequest, ErrorCode, ProviderError, RetryPolicy, get_adapter

NO_RETRIES = RetryPolicy(max_retries=0)


def adapter_for(fake):
    return get_adapter("openai", api_key="sk-test", base_url=fake.base_url, retry_policy=NO_RETRIES)


def request(**overrides):
    fields = {
        "model": "gpt-5.4-mini",
        "system_prompt": "Be brief.",
        "messages": [ChatMessage("user", "Hi"), ChatMessage("assistant", "Hello"), ChatMessage("user", "Refunds?")],
        "temperature": 0.3,
        "max_output_tokens": 200,
    }
    fields.update(overrides)
    return ChatRequest(**fields)


def test_request_shape(fake_openai):
    asyncio.run(adapter_for(fake_openai).chat(request()))

    sent = fake_openai.requests[0]
    body = sent.json
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == "Bearer sk-test"
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert [message["role"] for message in body["messages"][1:]] == ["user", "assistant", "user"]
    assert body["temperature"] == 0.3
    assert body["max_completion_tokens"] == 200
    assert "stream" not in body


def test_stream_asks_for_usage(fake_openai):
    async def consume():
        async for _ in adapter_for(fake_openai).stream(request()):
            pass

    asyncio.run(consume())

    body = fake_openai.requests[0].json
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}


def test_no_system_prompt_no_temperature(fake_openai):
    asyncio.run(adapter_for(fake_openai).chat(request(system_prompt="", temperature=None)))

    body = fake_openai.requests[0].json
    assert body["messages"][0]["role"] == "user"
    assert "temperature" not in body


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (401, None, ErrorCode.AUTHENTICATION_FAILED),
        (403, None, ErrorCode.PERMISSION_DENIED),
        (404, None, ErrorCode.MODEL_NOT_FOUND),
        (429, None, ErrorCode.RATE_LIMITED),
        (429, "insufficient_quota", ErrorCode.PROVIDER_QUOTA_EXHAUSTED),
        (400, "context_length_exceeded", ErrorCode.BAD_REQUEST),
        (400, None, ErrorCode.BAD_REQUEST),
        (500, None, ErrorCode.PROVIDER_UNAVAILABLE),
        (503, None, ErrorCode.PROVIDER_UNAVAILABLE),
    ],
)
def test_error_mapping(fake_openai, status, code, expected):
    fake_openai.fail(status, code=code, retry_after=7 if status == 429 else None)

    with pytest.raises(ProviderError) as caught:
        asyncio.run(adapter_for(fake_openai).chat(request()))

    error = caught.value
    assert error.code == expected
    assert error.status_code == status
    assert error.provider == "openai"
    assert error.request_id.startswith("req_fake")
    assert error.retry_after == (7 if status == 429 else None)


def test_quota_exhausted_is_not_retried(fake_openai):
    fake_openai.fail(429, code="insufficient_quota")
    adapter = get_adapter("openai", api_key="sk-test", base_url=fake_openai.base_url)

    with pytest.raises(ProviderError) as caught:
        asyncio.run(adapter.chat(request()))

    assert caught.value.code == ErrorCode.PROVIDER_QUOTA_EXHAUSTED
    assert len(fake_openai.requests) == 1


def test_stream_without_usage_is_flagged(fake_openai, caplog):
    fake_openai.stream_usage = False

    async def last_event():
        events = [event async for event in adapter_for(fake_openai).stream(request())]
        return events[-1]

    result = asyncio.run(last_event()).result

    assert result.text == fake_openai.answer_text
    assert result.usage_reported is False
    assert (result.input_tokens, result.output_tokens) == (0, 0)
    assert "sent no usage chunk" in caplog.text


def test_stream_with_usage_is_reported(fake_openai):
    async def last_event():
        events = [event async for event in adapter_for(fake_openai).stream(request())]
        return events[-1]

    result = asyncio.run(last_event()).result

    assert result.usage_reported is True
    assert result.output_tokens == fake_openai.output_tokens
