"""Fake Anthropic API: /v1/messages (JSON and the SSE event sequence) and /v1/models."""

from __future__ import annotations

import itertools

from .server import FakeProviderServer, RecordedRequest, Response, Scripted, catalog_models, sse

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}

ERROR_MESSAGES = {
    400: "Invalid request.",
    401: "invalid x-api-key",
    403: "Your API key does not have permission to use the specified resource.",
    404: "The requested resource was not found.",
    429: "Number of request tokens has exceeded your per-minute rate limit.",
    529: "Overloaded",
}


class FakeAnthropic(FakeProviderServer):
    provider = "anthropic"

    def __init__(self):
        super().__init__()
        self.models = catalog_models(self.provider)
        self._ids = itertools.count(1)

    def key_of(self, request: RecordedRequest) -> str:
        # The documented header is x-api-key; anthropic 2.x sends the key as a Bearer token.
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        return request.headers.get("x-api-key") or bearer

    def _request_id(self) -> str:
        return f"req_fake{next(self._ids):06d}"

    def route(self, request: RecordedRequest, scripted: Scripted | None) -> Response:
        if request.method == "GET" and request.path == "/v1/models":
            data = [
                {"type": "model", "id": model, "display_name": model, "created_at": "2025-11-01T00:00:00Z"}
                for model in self.models
            ]
            body = {"data": data, "has_more": False, "first_id": self.models[0], "last_id": self.models[-1]}
            return self.json_response(200, body, {"request-id": self._request_id()})
        if request.method == "POST" and request.path == "/v1/messages":
            return self._messages(request.json, scripted)
        return self.error_response(Scripted("error", status=404, message=f"Unknown path {request.path}"), "")

    def _messages(self, payload: dict, scripted: Scripted | None) -> Response:
        model = payload["model"]
        if "max_tokens" not in payload:
            return self.error_response(Scripted("error", status=400, message="max_tokens: Field required"), "")
        if not payload.get("messages"):
            return self.error_response(Scripted("error", status=400, message="messages: at least one message is required"), "")
        if model not in self.models:
            return self.error_response(Scripted("error", status=404, message=f"model: {model}"), "")
        request_id = self._request_id()
        message_id = f"msg_{request_id}"
        headers = {"request-id": request_id}
        if not payload.get("stream"):
            body = {
                "id": message_id,
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [{"type": "text", "text": self.answer_text}],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": self.input_tokens, "output_tokens": self.output_tokens},
            }
            return self.json_response(200, body, headers)

        start = {
            "type": "message_start",
            "message": {
                "id": message_id,
                "type": "message",
                "role": "assistant",
                "model": model,
                "content": [],
                "stop_reason": None,
                "stop_sequence": None,
                "usage": {"input_tokens": self.input_tokens, "output_tokens": 1},
            },
        }
        events = [
            sse(start, "message_start"),
            sse({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}, "content_block_start"),
            sse({"type": "ping"}, "ping"),
        ]
        words = self.words()
        if scripted is not None and scripted.kind == "stream_error":
            words = words[: scripted.after_deltas]
        events.extend(
            sse({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": word}}, "content_block_delta")
            for word in words
        )
        if scripted is not None and scripted.kind == "stream_error":
            error = {"type": scripted.code or "overloaded_error", "message": scripted.message or "Overloaded"}
            events.append(sse({"type": "error", "error": error}, "error"))
            return Response(200, headers=headers, events=events)
        events += [
            sse({"type": "content_block_stop", "index": 0}, "content_block_stop"),
            sse(
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                    "usage": {"output_tokens": self.output_tokens},
                },
                "message_delta",
            ),
            sse({"type": "message_stop"}, "message_stop"),
        ]
        return Response(200, headers=headers, events=events)

    def error_response(self, scripted: Scripted, key: str) -> Response:
        status = scripted.status
        error_type = scripted.code or ERROR_TYPES.get(status, "api_error")
        message = scripted.message or ERROR_MESSAGES.get(status, "Internal server error")
        if status == 401 and key:
            message = f"{message}: {self.shown_key(key)}"
        request_id = self._request_id()
        headers = {"request-id": request_id}
        if scripted.retry_after is not None:
            headers["retry-after"] = scripted.retry_after
        body = {"type": "error", "error": {"type": error_type, "message": message}, "request_id": request_id}
        return self.json_response(status, body, headers)

    def invalid_key_response(self, key: str) -> Response:
        return self.error_response(Scripted("error", status=401), key)
