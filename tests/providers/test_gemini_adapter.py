"""Gemini adapter: request shape and error mapping through google-genai against the fake."""

import asyncio

import pytest

from providers import ChatMessage, ChatRequest, ErrorCode, ProviderError, RetryPolicy, get_adapter

NO_RETRIES = RetryPolicy(max_retries=0)
KEY = "AIzaSy-test-key-0123456789"


def adapter_for(fake):
    return get_adapter("gemini", api_key=KEY, base_url=fake.base_url, retry_policy=NO_RETRIES)


def request(**overrides):
    fields = {
        "model": "gemini-2.5-flash",
        "system_prompt": "Be brief.",
        "messages": [ChatMessage("user", "Hi"), ChatMessage("assistant", "Hello"), ChatMessage("user", "Refunds?")],
        "temperature": 0.4,
        "max_output_tokens": 128,
    }
    fields.update(overrides)
    return ChatRequest(**fields)


def test_request_shape(fake_gemini):
    asyncio.run(adapter_for(fake_gemini).chat(request()))

    sent = fake_gemini.requests[0]
    body = sent.json
    assert sent.path == "/v1beta/models/gemini-2.5-flash:generateContent"
    # The key travels in a header, never in the URL where logs would keep it.
    assert sent.headers["x-goog-api-key"] == KEY
    assert "key" not in sent.query
    assert [content["role"] for content in body["contents"]] == ["user", "model", "user"]
    assert body["systemInstruction"]["parts"][0]["text"] == "Be brief."
    assert body["generationConfig"]["temperature"] == 0.4
    assert body["generationConfig"]["maxOutputTokens"] == 128


def test_stream_uses_sse(fake_gemini):
    async def consume():
        async for _ in adapter_for(fake_gemini).stream(request()):
            pass

    asyncio.run(consume())

    sent = fake_gemini.requests[0]
    assert sent.path == "/v1beta/models/gemini-2.5-flash:streamGenerateContent"
    assert sent.query["alt"] == ["sse"]


def test_api_key_invalid_is_authentication_failed(fake_gemini):
    fake_gemini.fail_invalid_key()

    with pytest.raises(ProviderError) as caught:
        asyncio.run(adapter_for(fake_gemini).chat(request()))

    error = caught.value
    assert error.code == ErrorCode.AUTHENTICATION_FAILED
    assert error.status_code == 400
    assert KEY not in str(error)


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (400, None, ErrorCode.BAD_REQUEST),
        (401, None, ErrorCode.AUTHENTICATION_FAILED),
        (403, None, ErrorCode.PERMISSION_DENIED),
        (404, None, ErrorCode.MODEL_NOT_FOUND),
        (429, None, ErrorCode.RATE_LIMITED),
        (429, "per_day", ErrorCode.PROVIDER_QUOTA_EXHAUSTED),
        (500, None, ErrorCode.PROVIDER_UNAVAILABLE),
        (503, None, ErrorCode.PROVIDER_UNAVAILABLE),
        (504, None, ErrorCode.TIMED_OUT),
    ],
)
def test_error_mapping(fake_gemini, status, code, expected):
    fake_gemini.fail(status, code=code)

    with pytest.raises(ProviderError) as caught:
        asyncio.run(adapter_for(fake_gemini).chat(request()))

    assert caught.value.code == expected
    assert caught.value.status_code == status
    assert caught.value.provider == "gemini"


def test_retry_info_sets_retry_after(fake_gemini):
    fake_gemini.fail(429, retry_after=37)

    with pytest.raises(ProviderError) as caught:
        asyncio.run(adapter_for(fake_gemini).chat(request()))

    assert caught.value.retry_after == 37.0


def test_thinking_tokens_count_as_output(fake_gemini):
    adapter = adapter_for(fake_gemini)
    fake_gemini.input_tokens, fake_gemini.output_tokens, fake_gemini.thoughts_tokens = 10, 4, 30

    result = asyncio.run(adapter.chat(request()))

    assert (result.input_tokens, result.output_tokens) == (10, 34)


def test_client_survives_garbage_collection(fake_gemini):
    import gc

    async def chat_after_collect():
        adapter = adapter_for(fake_gemini)
        first = await adapter.chat(request())
        gc.collect()
        second = await adapter.chat(request())
        return first, second

    first, second = asyncio.run(chat_after_collect())

    assert first.text == second.text == fake_gemini.answer_text
