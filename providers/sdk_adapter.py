"""The retry, streaming and error-translation loop shared by the OpenAI, Anthropic and Gemini adapters."""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from collections.abc import AsyncIterator

import httpx
import httpx2

from .base import (
    ChatRequest,
    ChatResult,
    ErrorCode,
    ProviderError,
    StreamEvent,
    TextDelta,
    error_for,
    redact,
)
from .retry import RetryPolicy

logger = logging.getLogger(__name__)

# Transport errors that reach us unwrapped (google-genai does not wrap httpx errors).
TIMEOUT_ERRORS = (httpx.TimeoutException, httpx2.TimeoutException, asyncio.TimeoutError)
TRANSPORT_ERRORS = (httpx.TransportError, httpx2.TransportError, ConnectionError)


class SdkAdapter:
    """Base class of the adapters over an official SDK's async client.

    Subclasses build the client and implement one attempt of each call (`_chat_once`,
    `_stream_once`, `_list_models_once`). Their `_translate` turns an SDK or transport
    exception into a ProviderError. It returns None for any other exception, which is then
    re-raised untouched because it is a bug, not a provider failure.
    """

    provider = ""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str | None = None,
        timeout: float = 60.0,
        retry_policy: RetryPolicy | None = None,
    ):
        if not api_key:
            raise ValueError(f"Missing api_key for provider {self.provider!r}: pass the key of the resolved credential")
        self._api_key = api_key
        self.base_url = base_url
        self.timeout = timeout
        self.retry_policy = retry_policy or RetryPolicy()
        # Set by providers.shared_adapter: then aclose() is a no-op, because other calls
        # on the same event loop may be using the client.
        self.shared = False
        self._clients = weakref.WeakKeyDictionary()  # event loop -> SDK client
        self._clients_lock = threading.Lock()

    @property
    def _client(self):
        """Return the SDK client for the running event loop, building one on first use in that loop.

        An async HTTP client's pooled connections belong to the loop that opened them, so an
        adapter reused from another loop (asyncio.run per call, async_to_sync) gets its own client.
        """
        loop = asyncio.get_running_loop()
        with self._clients_lock:
            client = self._clients.get(loop)
            if client is None:
                client = self._make_client()
                self._clients[loop] = client
        return client

    def __repr__(self):
        base_url = redact(self.base_url, [self._api_key]) if self.base_url else None
        return f"{type(self).__name__}(base_url={base_url!r}, timeout={self.timeout!r})"

    # --- to implement per SDK ---

    def _make_client(self):
        """Build the SDK's async client; called inside the event loop that will use it."""
        raise NotImplementedError

    async def _close_client(self, client):
        raise NotImplementedError

    async def _chat_once(self, request: ChatRequest) -> ChatResult:
        raise NotImplementedError

    def _stream_once(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        raise NotImplementedError

    async def _list_models_once(self) -> list[str]:
        raise NotImplementedError

    def _translate(self, exc: Exception) -> ProviderError | None:
        raise NotImplementedError

    # --- shared behaviour ---

    def _error(self, code: ErrorCode, message: str, **kwargs) -> ProviderError:
        """Build a redacted ProviderError for this provider."""
        return error_for(code, message, provider=self.provider, secrets=[self._api_key], **kwargs)

    def _to_provider_error(self, exc: Exception) -> ProviderError | None:
        if isinstance(exc, ProviderError):
            return exc
        return self._translate(exc)

    async def _wait_or_give_up(self, retry_number: int, error: ProviderError, operation: str) -> bool:
        delay = self.retry_policy.delay_before_retry(retry_number, error)
        if delay is None:
            logger.warning(
                "%s %s failed with %s (status %s, request id %s), not retrying: %s",
                self.provider, operation, error.code.value, error.status_code, error.request_id or "-", error.message,
            )
            return False
        logger.info(
            "%s %s failed with %s (status %s), retry %d of %d in %.2f s",
            self.provider, operation, error.code.value, error.status_code,
            retry_number, self.retry_policy.max_retries, delay,
        )
        await asyncio.sleep(delay)
        return True

    async def _call_with_retries(self, operation: str, call):
        retry_number = 0
        while True:
            try:
                return await call()
            except Exception as exc:
                error = self._to_provider_error(exc)
                if error is None:
                    raise
            # Raised outside the `except` block so the SDK exception, whose text may hold
            # the key, is not chained as __context__.
            retry_number += 1
            if not await self._wait_or_give_up(retry_number, error, operation):
                raise error

    async def chat(self, request: ChatRequest) -> ChatResult:
        return await self._call_with_retries("chat", lambda: self._chat_once(request))

    async def list_models(self) -> list[str]:
        return await self._call_with_retries("list_models", self._list_models_once)

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
        """Yield text deltas, then one StreamEnd; retry only while no delta has been yielded."""
        retry_number = 0
        while True:
            delta_sent = False
            attempt = self._stream_once(request)
            try:
                async for event in attempt:
                    if isinstance(event, TextDelta):
                        delta_sent = True
                    yield event
                return
            except Exception as exc:
                error = self._to_provider_error(exc)
                if error is None:
                    raise
            finally:
                # Close the SDK stream now, also when the consumer stops early, instead of
                # leaving the HTTP response open until garbage collection.
                await attempt.aclose()
            if delta_sent:
                logger.warning(
                    "%s stream failed after text was sent, with %s (status %s): %s",
                    self.provider, error.code.value, error.status_code, error.message,
                )
                raise error
            retry_number += 1
            if not await self._wait_or_give_up(retry_number, error, "stream"):
                raise error

    def chat_sync(self, request: ChatRequest) -> ChatResult:
        """Run `chat` to completion from synchronous code such as a Celery task.

        A fresh SDK client serves the call, because an async HTTP client must not be shared
        between event loops. Raises RuntimeError when called inside a running event loop.
        """
        fresh = type(self)(
            api_key=self._api_key, base_url=self.base_url, timeout=self.timeout, retry_policy=self.retry_policy
        )

        async def run():
            try:
                return await fresh.chat(request)
            finally:
                await fresh.aclose()

        return asyncio.run(run())

    async def aclose(self):
        """Close the SDK client of the running event loop, unless this adapter is shared."""
        if self.shared:
            return
        loop = asyncio.get_running_loop()
        with self._clients_lock:
            client = self._clients.pop(loop, None)
        if client is not None:
            await self._close_client(client)

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc_info):
        await self.aclose()


def status_code_error(status: int) -> ErrorCode:
    """Map an HTTP status to an error code, for bodies that carry nothing more specific."""
    if status == 401:
        return ErrorCode.AUTHENTICATION_FAILED
    if status == 403:
        return ErrorCode.PERMISSION_DENIED
    if status == 404:
        return ErrorCode.MODEL_NOT_FOUND
    if status in (408, 504):
        return ErrorCode.TIMED_OUT
    if status == 429:
        return ErrorCode.RATE_LIMITED
    if status == 409 or status >= 500:
        return ErrorCode.PROVIDER_UNAVAILABLE
    return ErrorCode.BAD_REQUEST

