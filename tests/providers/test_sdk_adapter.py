"""Behaviour shared by the three SDK adapters, each driven through its real SDK against its fake."""

import asyncio
import logging
import time

import pytest

from providers import (
    AuthenticationFailed,
    ChatMessage,
    ChatRequest,
    ErrorCode,
    ProviderError,
    RateLimited,
    RetryPolicy,
    StreamEnd,
    TextDelta,
    get_adapter,
)
from tests.providers.conftest import FAST_RETRIES, MODELS

CANARY_KEY = "canary-Zx81-secret-key-do-not-leak"


def make_adapter(fake, *, api_key="test-key", timeout=5.0, retry_policy=FAST_RETRIES):
    return get_adapter(fake.provider, api_key=api_key, base_url=fake.base_url, timeout=timeout, retry_policy=retry_policy)


def make_request(fake, **overrides):
    fields = {
        "model": MODELS[fake.provider],
        "system_prompt": "Answer from the handbook.",
        "messages": [ChatMessage("user", "How long do refunds take?")],
        "temperature": 0.2,
        "max_output_tokens": 256,
    }
    fields.update(overrides)
    return ChatRequest(**fields)


async def collect(stream):
    events = []
    async for event in stream:
        events.append(event)
    return events


async def collect_until_error(stream):
    """Return (events before the error, the ProviderError)."""
    events = []
    try:
        async for event in stream:
            events.append(event)
    except ProviderError as error:
        return events, error
    return events, None


def test_chat_and_stream_report_same_usage(fake):
    fake.input_tokens, fake.output_tokens = 37, 12
    adapter = make_adapter(fake)

    result = asyncio.run(adapter.chat(make_request(fake)))
    events = asyncio.run(collect(adapter.stream(make_request(fake))))

    deltas = [event.text for event in events if isinstance(event, TextDelta)]
    end = events[-1]
    assert isinstance(end, StreamEnd)
    assert len(deltas) > 1
    assert "".join(deltas) == fake.answer_text
    assert result.text == fake.answer_text
    assert end.result.text == fake.answer_text
    assert (result.input_tokens, result.output_tokens) == (37, 12)
    assert (end.result.input_tokens, end.result.output_tokens) == (37, 12)
    assert result.finish_reason == end.result.finish_reason == "stop"
    assert result.request_id
    assert end.result.request_id
    assert result.model == MODELS[fake.provider]


def test_rate_limit_then_success_retries_once(fake):
    fake.fail(429, retry_after=0)

    result = asyncio.run(make_adapter(fake).chat(make_request(fake)))

    assert result.text == fake.answer_text
    assert len(fake.requests) == 2


def test_server_error_retries_are_bounded(fake):
    fake.fail(500, times=5)

    with pytest.raises(ProviderError) as caught:
        asyncio.run(make_adapter(fake).chat(make_request(fake)))

    assert caught.value.code == ErrorCode.PROVIDER_UNAVAILABLE
    assert len(fake.requests) == 3  # the first attempt and max_retries=2


def test_invalid_key_not_retried(fake):
    fake.fail_invalid_key()

    with pytest.raises(AuthenticationFailed):
        asyncio.run(make_adapter(fake).chat(make_request(fake)))

    assert len(fake.requests) == 1


def test_retry_after_is_honoured(fake):
    fake.fail(429, retry_after="0.4")

    started = time.monotonic()
    asyncio.run(make_adapter(fake).chat(make_request(fake)))
    elapsed = time.monotonic() - started

    assert len(fake.requests) == 2
    assert elapsed >= 0.4


def test_long_retry_after_is_not_waited_for(fake):
    fake.fail(429, retry_after=120)
    policy = RetryPolicy(max_retries=2, base_delay=0.01, max_retry_after=20)

    started = time.monotonic()
    with pytest.raises(RateLimited) as caught:
        asyncio.run(make_adapter(fake, retry_policy=policy).chat(make_request(fake)))

    assert time.monotonic() - started < 5
    assert caught.value.retry_after == 120
    assert len(fake.requests) == 1


def test_slow_response_times_out(fake):
    fake.slow(3)

    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        asyncio.run(make_adapter(fake, timeout=0.3, retry_policy=RetryPolicy(max_retries=0)).chat(make_request(fake)))

    assert caught.value.code == ErrorCode.TIMED_OUT
    assert time.monotonic() - started < 2.5
    assert len(fake.requests) == 1


def test_timeout_is_retried(fake):
    fake.slow(3)

    result = asyncio.run(make_adapter(fake, timeout=0.3).chat(make_request(fake)))

    assert result.text == fake.answer_text
    assert len(fake.requests) == 2


def test_stream_error_after_deltas_raises(fake):
    fake.break_stream(after_deltas=2)

    events, error = asyncio.run(collect_until_error(make_adapter(fake).stream(make_request(fake))))

    assert [type(event) for event in events] == [TextDelta, TextDelta]
    assert "".join(event.text for event in events) == "".join(fake.words()[:2])
    assert error is not None
    assert error.code == ErrorCode.PROVIDER_UNAVAILABLE
    # Text already reached the caller, so a retry would duplicate it.
    assert len(fake.requests) == 1


def test_stream_retried_before_first_delta(fake):
    fake.fail(503 if fake.provider == "gemini" else 500)

    events = asyncio.run(collect(make_adapter(fake).stream(make_request(fake))))

    assert "".join(event.text for event in events if isinstance(event, TextDelta)) == fake.answer_text
    assert isinstance(events[-1], StreamEnd)
    assert len(fake.requests) == 2


def test_stream_invalid_key_not_retried(fake):
    fake.fail_invalid_key()

    events, error = asyncio.run(collect_until_error(make_adapter(fake).stream(make_request(fake))))

    assert events == []
    assert isinstance(error, AuthenticationFailed)
    assert len(fake.requests) == 1


def test_key_never_in_error_or_logs(fake, caplog):
    for name in ("", "openai", "anthropic", "httpx", "httpx2", "httpcore", "httpcore2", "google_genai", "providers"):
        caplog.set_level(logging.DEBUG, logger=name)
    fake.invalid_keys.add(CANARY_KEY)
    adapter = make_adapter(fake, api_key=CANARY_KEY)

    errors = []
    for call in (
        lambda: adapter.chat(make_request(fake)),
        lambda: collect(adapter.stream(make_request(fake))),
        adapter.list_models,
    ):
        with pytest.raises(AuthenticationFailed) as caught:
            asyncio.run(call())
        errors.append(caught.value)

    # The fake repeats the key in its error message, so the redaction did real work.
    assert fake.echo_key_in_errors
    for error in errors:
        assert "[REDACTED]" in str(error)
        assert CANARY_KEY not in str(error)
        assert CANARY_KEY not in repr(error)
        assert error.__context__ is None
        assert error.__cause__ is None
    # The SDK loggers did write at DEBUG, so the capture below saw their output.
    assert any(record.name != "providers.sdk_adapter" for record in caplog.records)
    assert CANARY_KEY not in caplog.text
    for record in caplog.records:
        assert CANARY_KEY not in record.getMessage()


def test_list_models_returns_fake_models(fake):
    models = asyncio.run(make_adapter(fake).list_models())

    assert models == fake.models


def test_chat_sync_runs_without_event_loop(fake):
    adapter = make_adapter(fake)

    first = adapter.chat_sync(make_request(fake))
    second = adapter.chat_sync(make_request(fake))

    assert first.text == second.text == fake.answer_text
    assert first.output_tokens == fake.output_tokens
    assert len(fake.requests) == 2


def test_unknown_model_is_model_not_found(fake):
    with pytest.raises(ProviderError) as caught:
        asyncio.run(make_adapter(fake).chat(make_request(fake, model="no-such-model")))

    assert caught.value.code == ErrorCode.MODEL_NOT_FOUND
    assert caught.value.status_code == 404
    assert len(fake.requests) == 1


def test_unreachable_server_is_unavailable(fake):
    base_url = fake.base_url
    fake.stop()
    adapter = get_adapter(
        fake.provider, api_key="test-key", base_url=base_url, timeout=2, retry_policy=RetryPolicy(max_retries=0)
    )

    with pytest.raises(ProviderError) as caught:
        asyncio.run(adapter.chat(make_request(fake)))

    assert caught.value.code == ErrorCode.PROVIDER_UNAVAILABLE


def test_stream_closed_early_then_reused(fake):
    adapter = make_adapter(fake)

    async def first_delta_then_chat():
        stream = adapter.stream(make_request(fake))
        async for event in stream:
            first = event
            break
        await stream.aclose()
        return first, await adapter.chat(make_request(fake))

    first, result = asyncio.run(first_delta_then_chat())

    assert isinstance(first, TextDelta)
    assert result.text == fake.answer_text


def test_stalled_stream_times_out(fake):
    fake.chunk_delay = 2.0
    adapter = make_adapter(fake, timeout=0.3, retry_policy=RetryPolicy(max_retries=0))

    started = time.monotonic()
    events, error = asyncio.run(collect_until_error(adapter.stream(make_request(fake))))

    assert error is not None
    assert error.code == ErrorCode.TIMED_OUT
    assert time.monotonic() - started < 1.8
    assert not any(isinstance(event, StreamEnd) for event in events)
