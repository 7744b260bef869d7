"""Provider adapters: one chat interface over the OpenAI, Anthropic and Gemini SDKs and the offline extractive model.

`base_url` follows each SDK's own convention, the same as the OPENAI_BASE_URL,
ANTHROPIC_BASE_URL and GEMINI_BASE_URL settings: OpenAI's includes the `/v1` prefix
(``http://host/v1``), Anthropic's and Gemini's are the bare origin (``http://host``).
None means the provider's public endpoint.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections import OrderedDict

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
    "shared_adapter",
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


SHARED_ADAPTERS_MAX = 256
_shared_adapters: OrderedDict[tuple, ChatAdapter] = OrderedDict()
_shared_adapters_lock = threading.Lock()


def shared_adapter(
    provider: str,
    *,
    api_key: str,
    base_url: str | None = None,
    timeout: float = 60.0,
    max_retries: int = 2,
) -> ChatAdapter:
    """Return a process-wide adapter for these settings, reusing its SDK client and connections.

    Prefer this over `get_adapter` for calls per request (chat turns): building an SDK client
    and opening a TLS connection per call adds latency. `aclose()` on a shared adapter does
    nothing, because concurrent calls may be using it. The cache keeps the 256 most recently
    used adapters, keyed by a SHA-256 of the key, so a rotated key gets a new adapter.
    """
    key_digest = hashlib.sha256(api_key.encode()).hexdigest()
    cache_key = (provider, key_digest, base_url, float(timeout), max_retries)
    with _shared_adapters_lock:
        adapter = _shared_adapters.get(cache_key)
        if adapter is not None:
            _shared_adapters.move_to_end(cache_key)
            return adapter
    adapter = get_adapter(provider, api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries)
    adapter.shared = True
    with _shared_adapters_lock:
        # Another thread may have built one meanwhile; keep the first so callers share it.
        adapter = _shared_adapters.setdefault(cache_key, adapter)
        _shared_adapters.move_to_end(cache_key)
        while len(_shared_adapters) > SHARED_ADAPTERS_MAX:
            # Evicted adapters are not closed: a call may still be running on them, and their
            # clients close when garbage-collected.
            _shared_adapters.popitem(last=False)
    return adapter


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
