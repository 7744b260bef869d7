"""Provider errors and redaction."""

import pickle

import pytest

from providers import ChatMessage, ChatRequest, ErrorCode, ProviderError, RateLimited, redact
from providers.base import ERROR_CLASSES, error_for

KEY = "sk-live-abcdef0123456789"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"Incorrect API key provided: {KEY}.", "Incorrect API key provided: [REDACTED]."),
        ("GET https://host/v1beta/models?key=AIzaSyXYZ&alt=sse", "GET https://host/v1beta/models?key=[REDACTED]&alt=sse"),
        ("headers {'x-goog-api-key': 'AIzaSyXYZ'}", "headers {'x-goog-api-key': '[REDACTED]'}"),
        ("x-api-key: sk-ant-123", "x-api-key: [REDACTED]"),
        ("Authorization: Bearer sk-proj-123", "Authorization: Bearer [REDACTED]"),
        ("https://user:s3cret@gateway.internal/v1", "https://[REDACTED]@gateway.internal/v1"),
        ("GET /models?api_key=abc123 failed", "GET /models?api_key=[REDACTED] failed"),
        ("nothing secret here", "nothing secret here"),
    ],
)
def test_redact(text, expected):
    assert redact(text, [KEY]) == expected


def test_error_message_is_redacted():
    error = RateLimited(f"slow down {KEY}", provider="openai", status_code=429, retry_after=3, secrets=[KEY])

    assert KEY not in str(error)
    assert KEY not in repr(error)
    assert error.code == ErrorCode.RATE_LIMITED
    assert error.retryable
    assert error.retry_after == 3


def test_error_survives_pickling_redacted():
    error = error_for(ErrorCode.AUTHENTICATION_FAILED, f"bad key {KEY}", provider="gemini", status_code=400, secrets=[KEY])

    copy = pickle.loads(pickle.dumps(error))

    assert type(copy) is type(error)
    assert copy.code == ErrorCode.AUTHENTICATION_FAILED
    assert copy.status_code == 400
    assert copy.provider == "gemini"
    assert KEY not in str(copy)
    assert not copy.retryable


def test_one_subclass_per_code():
    assert set(ERROR_CLASSES) == set(ErrorCode)
    for code, cls in ERROR_CLASSES.items():
        assert issubclass(cls, ProviderError)
        assert cls.code == code


def test_message_role_checked():
    with pytest.raises(ValueError, match="Invalid chat message role 'system'"):
        ChatMessage("system", "Be brief.")


def test_max_output_tokens_checked():
    with pytest.raises(ValueError, match="Invalid max_output_tokens 0"):
        ChatRequest(model="gpt-5.4-mini", max_output_tokens=0)
