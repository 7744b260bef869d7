"""The chat interface every provider adapter implements, and the typed provider errors.

Nothing here imports Django. Callers pass the api key and base URL; an adapter never reads
settings or the database.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal, Protocol, runtime_checkable


@dataclass(frozen=True)
class ChatMessage:
    role: Literal["user", "assistant"]
    content: str

    def __post_init__(self):
        if self.role not in ("user", "assistant"):
            raise ValueError(f"Invalid chat message role {self.role!r}: use 'user' or 'assistant'")


@dataclass(frozen=True)
class Passage:
    """A retrieved knowledge passage with the label that cites it."""

    text: str
    label: str
    url: str = ""
    score: float = 0.0


@dataclass(frozen=True)
class ChatRequest:
    """One chat call.

    LLM adapters send `system_prompt` and `messages` as given: the caller folds retrieved
    passages into the system prompt. Only the extractive adapter reads `passages`.
    """

    model: str
    system_prompt: str = ""
    messages: list[ChatMessage] = field(default_factory=list)
    temperature: float | None = None
    max_output_tokens: int = 1024
    passages: list[Passage] = field(default_factory=list)

    def __post_init__(self):
        if not isinstance(self.max_output_tokens, int) or self.max_output_tokens < 1:
            raise ValueError(f"Invalid max_output_tokens {self.max_output_tokens!r}: use a positive integer")


class FinishReason(StrEnum):
    """Reason the model stopped generating, normalised across providers."""

    STOP = "stop"
    LENGTH = "length"  # max_output_tokens reached
    CONTENT_FILTER = "content_filter"
    OTHER = "other"


@dataclass(frozen=True)
class ChatResult:
    """A finished answer with the usage the provider reported for it."""

    text: str
    input_tokens: int
    output_tokens: int
    finish_reason: str
    request_id: str
    model: str
    citations: list[Passage] = field(default_factory=list)
    provider_finish_reason: str = ""  # the provider's own value, e.g. "end_turn" or "MAX_TOKENS"
    # False when the provider sent no usage (e.g. a gateway that ignores include_usage):
    # the token counts are then 0 and the caller must settle quota from its own estimate.
    usage_reported: bool = True


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class StreamEnd:
    """The last event of a stream: the whole answer and its provider-reported usage."""

    result: ChatResult


StreamEvent = TextDelta | StreamEnd


class ErrorCode(StrEnum):
    AUTHENTICATION_FAILED = "authentication_failed"
    PERMISSION_DENIED = "permission_denied"
    RATE_LIMITED = "rate_limited"
    PROVIDER_QUOTA_EXHAUSTED = "provider_quota_exhausted"
    MODEL_NOT_FOUND = "model_not_found"
    BAD_REQUEST = "bad_request"
    PROVIDER_UNAVAILABLE = "provider_unavailable"
    TIMED_OUT = "timed_out"


# Codes that a later attempt may get past; the others fail the same way every time.
RETRYABLE_CODES = frozenset(
    {ErrorCode.RATE_LIMITED, ErrorCode.PROVIDER_UNAVAILABLE, ErrorCode.TIMED_OUT}
)

REDACTED = "[REDACTED]"

# Credentials that SDK exceptions and URLs can carry besides the key we know about:
# Gemini's `key` query parameter (and its usual variants), the auth headers of the three
# providers, and a user:password part of a gateway URL.
_KEY_QUERY = re.compile(r"([?&](?:key|api_key|apikey|token|access_token)=)[^&#\s'\"]+", re.IGNORECASE)
_URL_USERINFO = re.compile(r"(://)[^/@\s'\"]+@")
_AUTH_HEADER = re.compile(
    r"((?:x-goog-api-key|x-api-key|authorization)['\"]?\s*[:=]\s*['\"]?(?:bearer\s+)?)[^\s'\",}]+",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(bearer\s+)[^\s'\",}]+", re.IGNORECASE)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Replace every given secret, credential query value, URL password and auth header value in `text`."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    text = _KEY_QUERY.sub(rf"\g<1>{REDACTED}", text)
    text = _URL_USERINFO.sub(rf"\g<1>{REDACTED}@", text)
    text = _AUTH_HEADER.sub(rf"\g<1>{REDACTED}", text)
    return _BEARER.sub(rf"\g<1>{REDACTED}", text)


class ProviderError(Exception):
    """A failed provider call. Its `code` is the category a caller acts on.

    The message is redacted when the error is built, so str() and repr() are safe to log
    and store. Adapters raise it outside their `except` blocks, so it carries no
    `__context__` that could hold an unredacted SDK exception.
    """

    code: ErrorCode = ErrorCode.PROVIDER_UNAVAILABLE

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        status_code: int | None = None,
        retry_after: float | None = None,
        request_id: str = "",
        secrets: Iterable[str] = (),
    ):
        self.message = redact(message, secrets)
        self.provider = provider
        self.status_code = status_code
        self.retry_after = retry_after
        self.request_id = redact(request_id or "", secrets)
        super().__init__(self.message)

    @property
    def retryable(self) -> bool:
        return self.code in RETRYABLE_CODES

    def __repr__(self):
        return (
            f"{type(self).__name__}(code={self.code.value!r}, provider={self.provider!r}, "
            f"status_code={self.status_code!r}, retry_after={self.retry_after!r}, "
            f"request_id={self.request_id!r}, message={self.message!r})"
        )

    def __reduce__(self):
        # Pickling (Celery results) rebuilds from the redacted fields only.
        return (
            _rebuild_error,
            (type(self), self.message, self.provider, self.status_code, self.retry_after, self.request_id),
        )


def _rebuild_error(cls, message, provider, status_code, retry_after, request_id):
    return cls(
        message,
        provider=provider,
        status_code=status_code,
        retry_after=retry_after,
        request_id=request_id,
    )


class AuthenticationFailed(ProviderError):
    code = ErrorCode.AUTHENTICATION_FAILED


class PermissionDenied(ProviderError):
    code = ErrorCode.PERMISSION_DENIED


class RateLimited(ProviderError):
    code = ErrorCode.RATE_LIMITED


class ProviderQuotaExhausted(ProviderError):
    code = ErrorCode.PROVIDER_QUOTA_EXHAUSTED


class ModelNotFound(ProviderError):
    code = ErrorCode.MODEL_NOT_FOUND


class BadRequest(ProviderError):
    code = ErrorCode.BAD_REQUEST


class ProviderUnavailable(ProviderError):
    code = ErrorCode.PROVIDER_UNAVAILABLE


class TimedOut(ProviderError):
    code = ErrorCode.TIMED_OUT


ERROR_CLASSES: dict[ErrorCode, type[ProviderError]] = {
    cls.code: cls
    for cls in (
        AuthenticationFailed,
        PermissionDenied,
        RateLimited,
        ProviderQuotaExhausted,
        ModelNotFound,
        BadRequest,
        ProviderUnavailable,
        TimedOut,
    )
}


def error_for(code: ErrorCode, message: str, **kwargs) -> ProviderError:
    """Build the ProviderError subclass for `code`."""
    return ERROR_CLASSES[code](message, **kwargs)


@runtime_checkable
class ChatAdapter(Protocol):
    provider: str

    async def chat(self, request: ChatRequest) -> ChatResult: ...

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]: ...

    async def list_models(self) -> list[str]: ...

    def chat_sync(self, request: ChatRequest) -> ChatResult: ...
