"""Provider adapters: one chat interface over the OpenAI, Anthropic and Gemini SDKs and the offline extractive model.

`base_url` follows each SDK's own convention, the same as the OPENAI_BASE_URL,
ANTHROPIC_BASE_URL and GEMINI_BASE_URL settings: OpenAI's includes the `/v1` prefix
(``http://host/v1``), Anthropic's and Gemini's are the bare origin (``http://host``).
None means the provider's public endpoint.
"""

from __future__ import annotations

import asyncio

from .base import (
    AuthenticationFailed,
    BadRequest,
    ChatAdapter,
    ChatMessage,
    ChatRequest,
    ChatResult,
    ErrorCode,
    FinishReason,
    ModelNotFound,
    Passage,
    PermissionDenied,
    ProviderError,
    ProviderQuotaExhausted,
    ProviderUnavailable,
    RateLimited,
    StreamEnd,
    StreamEvent,
    TextDelta,
    TimedOut,
    redact,
)
from .retry import RetryPolicy

PROVIDERS = ("openai", "anthropic", "gemini", "extractive")

__all__ = [
    "PROVIDERS",
    "AuthenticationFailed",
    "BadRequest",
    "ChatAdapter",
    "ChatMessage",
    "ChatRequest",
    "ChatResult",
    "ErrorCode",
    "FinishReason",
    "ModelNotFound",
    "Passage",
    "PermissionDenied",
    "ProviderError",
    "ProviderQuotaExhausted",
    "ProviderUnavailable",
    "RateLimited",
    "RetryPolicy",
    "StreamEnd",
    "StreamEvent",
    "TextDelta",
    "TimedOut",
    "get_adapter",
    "redact",
    "validate_key",
]


def get_adapter(
    provider: str,
    *,
    api_key: str,
    base_url: str | None = None,
    timeout: float = 60.0,
    max_retries: int = 2,
    retry_policy: RetryPolicy | None = None,
) -> ChatAdapter:
    """Build the chat adapter for `provider` ("openai", "anthropic", "gemini" or "extractive").

    `timeout` is in seconds per attempt. `retry_policy`, when given, replaces the default
    policy and its `max_retries`. The extractive adapter ignores the key and base URL.
    Raises ValueError for an unknown provider or an empty key.
    """
    policy = retry_policy or RetryPolicy(max_retries=max_retries)
    if provider == "openai":
        from .openai_adapter import OpenAIAdapter

        return OpenAIAdapter(api_key=api_key, base_url=base_url, timeout=timeout, retry_policy=policy)
    if provider == "anthropic":
        from .anthropic_adapter import AnthropicAdapter

        return AnthropicAdapter(api_key=api_key, base_url=base_url, timeout=timeout, retry_policy=policy)
    if provider == "gemini":
        from .gemini_adapter import GeminiAdapter

        return GeminiAdapter(api_key=api_key, base_url=base_url, timeout=timeout, retry_policy=policy)
    if provider == "extractive":
        from .extractive import ExtractiveAdapter

        return ExtractiveAdapter()
    raise ValueError(f"Unknown provider {provider!r}: expected one of {', '.join(PROVIDERS)}")


def validate_key(provider: str, api_key: str, base_url: str | None = None, timeout: float = 10) -> None:
    """Check `api_key` with one cheap model-list call; raise ProviderError if the provider rejects it.

    Synchronous, for form handlers and Celery tasks; it must not run inside an event loop.
    One retry covers a passing 429 or 5xx.
    """
    adapter = get_adapter(provider, api_key=api_key, base_url=base_url, timeout=timeout, max_retries=1)

    async def check():
        try:
            await adapter.list_models()
        finally:
            await adapter.aclose()

    asyncio.run(check())
