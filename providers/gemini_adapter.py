"""Chat through the official `google-genai` SDK (Gemini Developer API, `genai.Client(...).aio`)."""

from __future__ import annotations

from google import genai
from google.genai import errors as genai_errors
from google.genai import types

from .base import ChatRequest, ChatResult, ErrorCode, FinishReason, ProviderError, StreamEnd, TextDelta
from .retry import parse_duration, parse_retry_after
from .sdk_adapter import TIMEOUT_ERRORS, TRANSPORT_ERRORS, SdkAdapter, status_code_error
from .tls import shared_ssl_context

FINISH_REASONS = {
    "STOP": FinishReason.STOP,
    "MAX_TOKENS": FinishReason.LENGTH,
    "SAFETY": FinishReason.CONTENT_FILTER,
    "RECITATION": FinishReason.CONTENT_FILTER,
    "BLOCKLIST": FinishReason.CONTENT_FILTER,
    "PROHIBITED_CONTENT": FinishReason.CONTENT_FILTER,
    "SPII": FinishReason.CONTENT_FILTER,
}

STATUS_CODES = {
    "UNAUTHENTICATED": ErrorCode.AUTHENTICATION_FAILED,
    "PERMISSION_DENIED": ErrorCode.PERMISSION_DENIED,
    "NOT_FOUND": ErrorCode.MODEL_NOT_FOUND,
    "INVALID_ARGUMENT": ErrorCode.BAD_REQUEST,
    "FAILED_PRECONDITION": ErrorCode.PERMISSION_DENIED,  # e.g. "User location is not supported"
    "RESOURCE_EXHAUSTED": ErrorCode.RATE_LIMITED,
    "DEADLINE_EXCEEDED": ErrorCode.TIMED_OUT,
    "UNAVAILABLE": ErrorCode.PROVIDER_UNAVAILABLE,
    "INTERNAL": ErrorCode.PROVIDER_UNAVAILABLE,
}

# google.rpc.ErrorInfo reasons that Gemini sends for a bad key, with HTTP 400 INVALID_ARGUMENT.
KEY_REASONS = {"API_KEY_INVALID", "API_KEY_EXPIRED"}


def error_details(exc: genai_errors.APIError) -> list[dict]:
    """Return the google.rpc detail objects of a Gemini error body."""
    body = exc.details if isinstance(exc.details, dict) else {}
    error = body.get("error", body)
    details = error.get("details") if isinstance(error, dict) else None
    return [detail for detail in details or [] if isinstance(detail, dict)]


def classify(exc: genai_errors.APIError) -> tuple[ErrorCode, float | None]:
    """Return the error code and the retry delay (seconds or None) of a Gemini API error."""
    details = error_details(exc)
    reasons = {detail.get("reason") for detail in details}
    retry_after = None
    daily_quota = False
    for detail in details:
        kind = detail.get("@type", "")
        if kind.endswith("google.rpc.RetryInfo"):
            retry_after = parse_duration(detail.get("retryDelay"))
        elif kind.endswith("google.rpc.QuotaFailure"):
            quota_ids = [violation.get("quotaId", "") for violation in detail.get("violations") or []]
            daily_quota = any("PerDay" in quota_id for quota_id in quota_ids)
    headers = getattr(getattr(exc, "response", None), "headers", None)
    if retry_after is None and headers is not None:
        retry_after = parse_retry_after(headers)

    if reasons & KEY_REASONS:
        return ErrorCode.AUTHENTICATION_FAILED, None
    if exc.code == 429 and daily_quota:
        # A per-day quota does not come back within a retry; the per-minute ones do.
        return ErrorCode.PROVIDER_QUOTA_EXHAUSTED, retry_after
    code = STATUS_CODES.get(exc.status or "")
    if code is None or exc.code in (401, 403, 404, 429) or (exc.code or 0) >= 500:
        code = status_code_error(exc.code or 500)
    return code, retry_after


class GeminiAdapter(SdkAdapter):
    provider = "gemini"

    def _make_client(self):
        # The adapter keeps a reference to this Client, not only to its `.aio`: google-genai
        # closes its HTTP client when the Client object is garbage-collected (seen with
        # google-genai 3.6: "Cannot send a request, as the client has been closed").
        http_options = types.HttpOptions(
            base_url=self.base_url,
            # v1beta serves the preview models and is the version Google's REST docs use;
            # google-genai 3.x would default to v1.
            api_version="v1beta",
            timeout=int(self.timeout * 1000),  # milliseconds
            # Each genai Client builds a sync HTTP client, an async one and a websocket TLS
            # context ("ssl"). All three get the shared context.
            client_args={"verify": shared_ssl_context()},
            async_client_args={"verify": shared_ssl_context(), "ssl": shared_ssl_context()},
        )
        return genai.Client(api_key=self._api_key, vertexai=False, http_options=http_options)

    async def _close_client(self, client):
        await client.aio.aclose()
        client.close()

    def _config(self, request: ChatRequest) -> types.GenerateContentConfig:
        return types.GenerateContentConfig(
            system_instruction=request.system_prompt or None,
            temperature=request.temperature,
            max_output_tokens=request.max_output_tokens,
        )

    @staticmethod
    def _contents(request: ChatRequest) -> list[types.Content]:
        return [
            types.Content(role="model" if message.role == "assistant" else "user", parts=[types.Part(text=message.content)])
            for message in request.messages
        ]

    @staticmethod
    def _usage(response) -> tuple[int, int]:
        usage = response.usage_metadata
        if usage is None:
            return 0, 0
        # Thinking tokens are billed as output tokens but reported apart from the candidates.
        output_tokens = (usage.candidates_token_count or 0) + (usage.thoughts_token_count or 0)
        return usage.prompt_token_count or 0, output_tokens

    @staticmethod
    def _finish_reason(response) -> str:
        if not response.candidates or response.candidates[0].finish_reason is None:
            return ""
        reason = response.candidates[0].finish_reason
        return getattr(reason, "value", str(reason))

    @staticmethod
    def _text(response) -> str:
        if not response.candidates or response.candidates[0].content is None:
            return ""
        parts = response.candidates[0].content.parts or []
        return "".join(part.text for part in parts if part.text and not part.thought)

    async def _chat_once(self, request: ChatRequest) -> ChatResult:
        response = await self._client.aio.models.generate_content(
            model=request.model, contents=self._contents(request), config=self._config(request)
        )
        input_tokens, output_tokens = self._usage(response)
        finish_reason = self._finish_reason(response)
        return ChatResult(
            usage_reported=response.usage_metadata is not None,
            text=self._text(response),
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            finish_reason=FINISH_REASONS.get(finish_reason, FinishReason.OTHER),
            provider_finish_reason=finish_reason,
            request_id=response.response_id or "",
            model=response.model_version or request.model,
        )

    async def _stream_once(self, request: ChatRequest):
        chunks = await self._client.aio.models.generate_content_stream(
            model=request.model, contents=self._contents(request), config=self._config(request)
        )
        parts: list[str] = []
        input_tokens = output_tokens = 0
        usage_reported = False
        finish_reason = ""
        request_id = ""
        model = request.model
        async for chunk in chunks:
            request_id = request_id or chunk.response_id or ""
            model = chunk.model_version or model
            # Each chunk's usage_metadata is the running total, so the last one counts.
            if chunk.usage_metadata is not None:
                usage_reported = True
                input_tokens, output_tokens = self._usage(chunk)
            finish_reason = self._finish_reason(chunk) or finish_reason
            text = self._text(chunk)
            if text:
                parts.append(text)
                yield TextDelta(text)
        yield StreamEnd(
            ChatResult(
                usage_reported=usage_reported,
                text="".join(parts),
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                finish_reason=FINISH_REASONS.get(finish_reason, FinishReason.OTHER),
                provider_finish_reason=finish_reason,
                request_id=request_id,
                model=model,
            )
        )

    async def _list_models_once(self) -> list[str]:
        pager = await self._client.aio.models.list()
        return [model.name.removeprefix("models/") async for model in pager if model.name]

    def _translate(self, exc: Exception) -> ProviderError | None:
        if isinstance(exc, TIMEOUT_ERRORS):
            return self._error(ErrorCode.TIMED_OUT, f"Gemini request timed out after {self.timeout} s")
        if isinstance(exc, TRANSPORT_ERRORS):
            return self._error(
                ErrorCode.PROVIDER_UNAVAILABLE, f"Could not connect to Gemini at {self.base_url or 'the default URL'}"
            )
        if isinstance(exc, genai_errors.APIError):
            code, retry_after = classify(exc)
            # The SDK's own str() dumps the whole body; the message field is enough.
            return self._error(
                code,
                f"Gemini answered HTTP {exc.code} {exc.status or ''}: {exc.message or 'no message'}",
                status_code=exc.code,
                retry_after=retry_after,
            )
        return None
