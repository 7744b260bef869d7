"""Chat through the official `openai` SDK's AsyncOpenAI client (Chat Completions API)."""

from __future__ import annotations

import logging

import openai

from .base import ChatRequest, ChatResult, ErrorCode, FinishReason, ProviderError, StreamEnd, TextDelta
from .retry import parse_retry_after
from .sdk_adapter import TIMEOUT_ERRORS, TRANSPORT_ERRORS, SdkAdapter, status_code_error
from .tls import shared_ssl_context

logger = logging.getLogger(__name__)

FINISH_REASONS = {
    "stop": FinishReason.STOP,
    "length": FinishReason.LENGTH,
    "content_filter": FinishReason.CONTENT_FILTER,
}

# Error codes (the `code` or `type` field of an OpenAI error body) that are more specific than the status.
BODY_CODES = {
    "insufficient_quota": ErrorCode.PROVIDER_QUOTA_EXHAUSTED,
    "billing_hard_limit_reached": ErrorCode.PROVIDER_QUOTA_EXHAUSTED,
    "invalid_api_key": ErrorCode.AUTHENTICATION_FAILED,
    "model_not_found": ErrorCode.MODEL_NOT_FOUND,
    "context_length_exceeded": ErrorCode.BAD_REQUEST,
    "rate_limit_exceeded": ErrorCode.RATE_LIMITED,
    "server_error": ErrorCode.PROVIDER_UNAVAILABLE,
}


class OpenAIAdapter(SdkAdapter):
    provider = "openai"

    def _make_client(self):
        return openai.AsyncOpenAI(
            api_key=self._api_key,
            base_url=self.base_url,
            timeout=self.timeout,
            max_retries=0,
            http_client=openai.DefaultAsyncHttpxClient(verify=shared_ssl_context()),
        )

    async def _close_client(self, client):
        await client.close()

    def _request_kwargs(self, request: ChatRequest) -> dict:
        messages = []
        if request.system_prompt:
            messages.append({"role": "system", "content": request.system_prompt})
        messages.extend({"role": message.role, "content": message.content} for message in request.messages)
        kwargs = {
            "model": request.model,
            "messages": messages,
            # max_completion_tokens replaces max_tokens, which reasoning models reject.
            "max_completion_tokens": request.max_output_tokens,
        }
        if request.temperature is not None:
            kwargs["temperature"] = request.temperature
        return kwargs

    async def _chat_once(self, request: ChatRequest) -> ChatResult:
        completion = await self._client.chat.completions.create(**self._request_kwargs(request))
        if not completion.choices:
            raise self._error(ErrorCode.PROVIDER_UNAVAILABLE, f"OpenAI returned no choices for model {request.model}")
        choice = completion.choices[0]
        usage = completion.usage
        if usage is None:
            logger.warning("OpenAI reported no usage for model %s (request id %s)", request.model, completion._request_id)
        return ChatResult(
            usage_reported=usage is not None,
            text=choice.message.content or "",
            input_tokens=usage.prompt_tokens if usage else 0,
            output_tokens=usage.completion_tokens if usage else 0,
            finish_reason=FINISH_REASONS.get(choice.finish_reason, FinishReason.OTHER),
            provider_finish_reason=choice.finish_reason or "",
            request_id=completion._request_id or completion.id or "",
            model=completion.model or request.model,
        )

    async def _stream_once(self, request: ChatRequest):
        stream = await self._client.chat.completions.create(
            **self._request_kwargs(request),
            stream=True,
            stream_options={"include_usage": True},
        )
        parts: list[str] = []
        input_tokens = output_tokens = 0
        usage_reported = False
        provider_finish_reason = ""
        model = request.model
        request_id = stream.response.headers.get("x-request-id", "")
        async with stream:
            async for chunk in stream:
                model = chunk.model or model
                request_id = request_id or chunk.id
                # The include_usage chunk comes last and has no choices.
                if chunk.usage is not None:
                    usage_reported = True
                    input_tokens = chunk.usage.prompt_tokens
                    output_tokens = chunk.usage.completion_tokens
                for choice in chunk.choices:
                    if choice.index != 0:
                        continue
                    if choice.finish_reason:
                        provider_finish_reason = choice.finish_reason
                    if choice.delta and choice.delta.content:
                        parts.append(choice.delta.content)
                        yield TextDelta(choice.delta.content)
        if not usage_reported:
            logger.warning("OpenAI stream sent no usage chunk for model %s (request id %s)", request.model, request_id)
        yield StreamEnd(
            ChatResult(
                usage_reported=usage_reported,
                text="".join(parts),
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                finish_reason=FINISH_REASONS.get(provider_finish_reason, FinishReason.OTHER),
                provider_finish_reason=provider_finish_reason,
                request_id=request_id,
                model=model,
            )
        )

    async def _list_models_once(self) -> list[str]:
        return [model.id async for model in self._client.models.list()]

    def _translate(self, exc: Exception) -> ProviderError | None:
        if isinstance(exc, openai.APITimeoutError) or isinstance(exc, TIMEOUT_ERRORS):
            return self._error(ErrorCode.TIMED_OUT, f"OpenAI request timed out after {self.timeout} s")
        if isinstance(exc, openai.APIConnectionError) or isinstance(exc, TRANSPORT_ERRORS):
            return self._error(ErrorCode.PROVIDER_UNAVAILABLE, f"Could not connect to OpenAI at {self.base_url or 'the default URL'}")
        if isinstance(exc, openai.APIStatusError):
            code = BODY_CODES.get(exc.code or "") or status_code_error(exc.status_code)
            if exc.status_code == 401:
                code = ErrorCode.AUTHENTICATION_FAILED
            return self._error(
                code,
                f"OpenAI answered HTTP {exc.status_code}: {body_message(exc)}",
                status_code=exc.status_code,
                retry_after=parse_retry_after(exc.response.headers),
                request_id=exc.request_id or "",
            )
        if isinstance(exc, openai.APIError):
            # An error event inside a 200 stream: the SDK raises APIError with the error body.
            body = exc.body if isinstance(exc.body, dict) else {}
            code = BODY_CODES.get(body.get("code") or "") or BODY_CODES.get(body.get("type") or "")
            return self._error(code or ErrorCode.PROVIDER_UNAVAILABLE, f"OpenAI stream failed: {body_message(exc)}")
        return None


def body_message(exc: openai.APIError) -> str:
    """Return the `message` of the error body, which the SDK's own text wraps in a dict dump."""
    if isinstance(exc.body, dict) and isinstance(exc.body.get("message"), str):
        return exc.body["message"]
    return exc.message
