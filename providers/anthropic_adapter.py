"""Chat through the official `anthropic` SDK's AsyncAnthropic client (Messages API)."""

from __future__ import annotations

import anthropic

from .base import ChatRequest, ChatResult, ErrorCode, FinishReason, ProviderError, StreamEnd, TextDelta
from .retry import parse_retry_after
from .sdk_adapter import TIMEOUT_ERRORS, TRANSPORT_ERRORS, SdkAdapter, status_code_error
from .tls import shared_ssl_context

FINISH_REASONS = {
    "end_turn": FinishReason.STOP,
    "stop_sequence": FinishReason.STOP,
    "max_tokens": FinishReason.LENGTH,
    "model_context_window_exceeded": FinishReason.LENGTH,
    "refusal": FinishReason.CONTENT_FILTER,
}

# `error.type` values of an Anthropic error body, which also arrive in a stream's error event.
ERROR_TYPES = {
    "invalid_request_error": ErrorCode.BAD_REQUEST,
    "request_too_large": ErrorCode.BAD_REQUEST,
    "authentication_error": ErrorCode.AUTHENTICATION_FAILED,
    "permission_error": ErrorCode.PERMISSION_DENIED,
    "billing_error": ErrorCode.PROVIDER_QUOTA_EXHAUSTED,
    "not_found_error": ErrorCode.MODEL_NOT_FOUND,
    "rate_limit_error": ErrorCode.RATE_LIMITED,
    "api_error": ErrorCode.PROVIDER_UNAVAILABLE,
    "overloaded_error": ErrorCode.PROVIDER_UNAVAILABLE,
    "timeout_error": ErrorCode.TIMED_OUT,
}


def input_tokens_of(usage) -> int:
    """Count every prompt token: Anthropic reports cache writes and reads apart from `input_tokens`."""
    return (
        (usage.input_tokens or 0)
        + (getattr(usage, "cache_creation_input_tokens", None) or 0)
        + (getattr(usage, "cache_read_input_tokens", None) or 0)
    )


class AnthropicAdapter(SdkAdapter):
    provider = "anthropic"

    def _make_client(self):
        return anthropic.AsyncAnthropic(
            api_key=self._api_key,
            base_url=self.base_url,
            timeout=self.timeout,
            max_retries=0,
            http_client=anthropic.DefaultAsyncHttpxClient(verify=shared_ssl_context()),
        )

    async def _close_client(self, client):
        await client.close()

    def _request_kwargs(self, request: ChatRequest) -> dict:
        kwargs = {
            "model": request.model,
            "max_tokens": request.max_output_tokens,
            "messages": [{"role": message.role, "content": message.content} for message in request.messages],
        }
        if request.system_prompt:
            kwargs["system"] = request.system_prompt
        # NOTE: request.temperature is not sent. The Messages API of anthropic 2.17 takes no
        # temperature (current Claude models choose their own sampling).
        return kwargs

    async def _chat_once(self, request: ChatRequest) -> ChatResult:
        message = await self._client.messages.create(**self._request_kwargs(request))
        text = "".join(block.text for block in message.content if block.type == "text")
        return ChatResult(
            text=text,
            input_tokens=input_tokens_of(message.usage),
            output_tokens=message.usage.output_tokens,
            finish_reason=FINISH_REASONS.get(message.stop_reason or "", FinishReason.OTHER),
            provider_finish_reason=message.stop_reason or "",
            request_id=message._request_id or message.id,
            model=message.model or request.model,
        )

    async def _stream_once(self, request: ChatRequest):
        stream = await self._client.messages.create(**self._request_kwargs(request), stream=True)
        parts: list[str] = []
        input_tokens = output_tokens = 0
        stop_reason = ""
        model = request.model
        request_id = stream.response.headers.get("request-id", "")
        async with stream:
            async for event in stream:
                if event.type == "message_start":
                    model = event.message.model or model
                    request_id = request_id or event.message.id
                    input_tokens = input_tokens_of(event.message.usage)
                    output_tokens = event.message.usage.output_tokens
                elif event.type == "content_block_delta" and event.delta.type == "text_delta":
                    parts.append(event.delta.text)
                    yield TextDelta(event.delta.text)
                elif event.type == "message_delta":
                    stop_reason = event.delta.stop_reason or stop_reason
                    # message_delta carries the final, cumulative output count.
                    output_tokens = event.usage.output_tokens
                    if event.usage.input_tokens is not None:
                        input_tokens = input_tokens_of(event.usage)
        yield StreamEnd(
            ChatResult(
                text="".join(parts),
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                finish_reason=FINISH_REASONS.get(stop_reason, FinishReason.OTHER),
                provider_finish_reason=stop_reason,
                request_id=request_id,
                model=model,
            )
        )

    async def _list_models_once(self) -> list[str]:
        return [model.id async for model in self._client.models.list()]

    def _translate(self, exc: Exception) -> ProviderError | None:
        if isinstance(exc, anthropic.APITimeoutError) or isinstance(exc, TIMEOUT_ERRORS):
            return self._error(ErrorCode.TIMED_OUT, f"Anthropic request timed out after {self.timeout} s")
        if isinstance(exc, anthropic.APIConnectionError) or isinstance(exc, TRANSPORT_ERRORS):
            return self._error(
                ErrorCode.PROVIDER_UNAVAILABLE, f"Could not connect to Anthropic at {self.base_url or 'the default URL'}"
            )
        if isinstance(exc, anthropic.APIStatusError):
            message = exc.api_message or exc.message
            code = ERROR_TYPES.get(exc.type or "")
            if exc.status_code == 200:
                # An error event inside a 200 stream.
                return self._error(
                    code or ErrorCode.PROVIDER_UNAVAILABLE,
                    f"Anthropic stream failed with {exc.type or 'an error'}: {message}",
                    request_id=exc.request_id or "",
                )
            if exc.status_code in (401, 403, 404, 429) or exc.status_code >= 500 or code is None:
                code = status_code_error(exc.status_code)
            if "credit balance" in (message or "").lower():
                # Anthropic reports an empty prepaid balance as a 400 invalid_request_error.
                code = ErrorCode.PROVIDER_QUOTA_EXHAUSTED
            return self._error(
                code,
                f"Anthropic answered HTTP {exc.status_code} {exc.type or ''}: {message}",
                status_code=exc.status_code,
                retry_after=parse_retry_after(exc.response.headers),
                request_id=exc.request_id or "",
            )
        if isinstance(exc, anthropic.APIError):
            return self._error(ErrorCode.PROVIDER_UNAVAILABLE, f"Anthropic call failed: {exc.message}")
        return None
