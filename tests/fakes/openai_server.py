"""Fake OpenAI API: /v1/chat/completions (JSON and SSE with the include_usage chunk) and /v1/models."""

from __future__ import annotations

import itertools
import time

from .server import FakeProviderServer, RecordedRequest, Response, Scripted, catalog_models, sse

ERROR_TYPES = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "unsupported_country_region_territory"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
}


class FakeOpenAI(FakeProviderServer):
    provider = "openai"
    base_path = "/v1"

    def __init__(self):
        super().__init__()
        self.models = catalog_models(self.provider)
        # False imitates a gateway that ignores stream_options and sends no usage chunk.
        self.stream_usage = True
        self._ids = itertools.count(1)

    def key_of(self, request: RecordedRequest) -> str:
        authorization = request.headers.get("authorization", "")
        return authorization.removeprefix("Bearer ").strip()

    def _request_id(self) -> str:
        return f"req_fake{next(self._ids):06d}"

    def route(self, request: RecordedRequest, scripted: Scripted | None) -> Response:
        if request.method == "GET" and request.path == "/v1/models":
            data = [{"id": model, "object": "model", "created": 1_700_000_000, "owned_by": "openai"} for model in self.models]
            return self.json_response(200, {"object": "list", "data": data}, {"x-request-id": self._request_id()})
        if request.method == "POST" and request.path == "/v1/chat/completions":
            return self._chat(request.json, scripted)
        return self.error_response(Scripted("error", status=404, message=f"Unknown path {request.path}"), "")

    def _chat(self, payload: dict, scripted: Scripted | None) -> Response:
        model = payload["model"]
        if not payload.get("messages"):
            return self.error_response(Scripted("error", status=400, message="'messages' must not be empty"), "")
        if model not in self.models:
            return self.error_response(
                Scripted("error", status=404, message=f"The model `{model}` does not exist or you do not have access to it."),
                "",
            )
        request_id = self._request_id()
        completion_id = f"chatcmpl-{request_id}"
        created = int(time.time())
        usage = {
            "prompt_tokens": self.input_tokens,
            "completion_tokens": self.output_tokens,
            "total_tokens": self.input_tokens + self.output_tokens,
        }
        headers = {"x-request-id": request_id}
        if not payload.get("stream"):
            body = {
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": self.answer_text, "refusal": None},
                        "logprobs": None,
                        "finish_reason": "stop",
                    }
                ],
                "usage": usage,
            }
            return self.json_response(200, body, headers)

        def chunk(delta, finish_reason=None):
            return {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
            }

        events = [sse(chunk({"role": "assistant", "content": ""}))]
        words = self.words()
        if scripted is not None and scripted.kind == "stream_error":
            events.extend(sse(chunk({"content": word})) for word in words[: scripted.after_deltas])
            error = {
                "message": scripted.message or "The server had an error while processing your request.",
                "type": scripted.code or "server_error",
                "param": None,
                "code": None,
            }
            events.append(sse({"error": error}))
            return Response(200, headers=headers, events=events)
        events.extend(sse(chunk({"content": word})) for word in words)
        events.append(sse(chunk({}, finish_reason="stop")))
        if self.stream_usage and (payload.get("stream_options") or {}).get("include_usage"):
            events.append(
                sse({"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model, "choices": [], "usage": usage})
            )
        events.append(sse("[DONE]"))
        return Response(200, headers=headers, events=events)

    def error_response(self, scripted: Scripted, key: str) -> Response:
        status = scripted.status
        error_type, code = ERROR_TYPES.get(status, ("server_error", None))
        if scripted.code == "insufficient_quota":
            error_type = code = "insufficient_quota"
        elif scripted.code:
            code = scripted.code
        message = scripted.message or {
            401: f"Incorrect API key provided: {self.shown_key(key)}.",
            403: "Country, region, or territory not supported.",
            429: (
                "You exceeded your current quota, please check your plan and billing details."
                if code == "insufficient_quota"
                else "Rate limit reached for requests."
            ),
        }.get(status, "The server had an error while processing your request.")
        headers = {"x-request-id": self._request_id()}
        if scripted.retry_after is not None:
            headers["retry-after"] = scripted.retry_after
        return self.json_response(status, {"error": {"message": message, "type": error_type, "param": None, "code": code}}, headers)

    def invalid_key_response(self, key: str) -> Response:
        return self.error_response(Scripted("error", status=401), key)
