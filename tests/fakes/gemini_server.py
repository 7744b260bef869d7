"""Fake Gemini Developer API: generateContent, streamGenerateContent?alt=sse and the model list."""

from __future__ import annotations

import itertools
import re

from .server import FakeProviderServer, RecordedRequest, Response, Scripted, catalog_models, sse

STATUSES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}

# google-genai 3.x defaults to /v1 but our adapter requests /v1beta, so the fake serves both.
MODEL_PATH = re.compile(r"^/(v1|v1beta)/models/(?P<model>[^/:]+):(?P<method>generateContent|streamGenerateContent)$")
LIST_PATHS = ("/v1/models", "/v1beta/models")


class FakeGemini(FakeProviderServer):
    provider = "gemini"

    def __init__(self):
        super().__init__()
        self.models = catalog_models(self.provider)
        # Thinking tokens, reported as thoughtsTokenCount apart from candidatesTokenCount.
        self.thoughts_tokens = 0
        self._ids = itertools.count(1)

    def key_of(self, request: RecordedRequest) -> str:
        # The SDK sends the key in the x-goog-api-key header; REST clients may use ?key=.
        return request.headers.get("x-goog-api-key") or (request.query.get("key") or [""])[0]

    def route(self, request: RecordedRequest, scripted: Scripted | None) -> Response:
        if request.method == "GET" and request.path in LIST_PATHS:
            models = [
                {
                    "name": f"models/{model}",
                    "displayName": model,
                    "inputTokenLimit": 1_048_576,
                    "outputTokenLimit": 65_536,
                    "supportedGenerationMethods": ["generateContent", "countTokens"],
                }
                for model in self.models
            ]
            return self.json_response(200, {"models": models})
        match = MODEL_PATH.match(request.path)
        if request.method == "POST" and match:
            return self._generate(match["model"], match["method"], request, scripted)
        return self.error_response(Scripted("error", status=404, message=f"Unknown path {request.path}"), "")

    def _usage(self) -> dict:
        usage = {
            "promptTokenCount": self.input_tokens,
            "candidatesTokenCount": self.output_tokens,
            "totalTokenCount": self.input_tokens + self.output_tokens + self.thoughts_tokens,
        }
        if self.thoughts_tokens:
            usage["thoughtsTokenCount"] = self.thoughts_tokens
        return usage

    def _generate(self, model, method, request: RecordedRequest, scripted: Scripted | None) -> Response:
        payload = request.json or {}
        if not payload.get("contents"):
            return self.error_response(Scripted("error", status=400, message="* GenerateContentRequest.contents: contents is not specified"), "")
        if model not in self.models:
            return self.error_response(
                Scripted("error", status=404, message=f"models/{model} is not found for API version v1beta"), ""
            )
        response_id = f"fake-response-{next(self._ids):06d}"

        def candidate(text, finish_reason=None):
            result = {"content": {"parts": [{"text": text}], "role": "model"}, "index": 0}
            if finish_reason:
                result["finishReason"] = finish_reason
            return result

        if method == "generateContent":
            body = {
                "candidates": [candidate(self.answer_text, "STOP")],
                "usageMetadata": self._usage(),
                "modelVersion": model,
                "responseId": response_id,
            }
            return self.json_response(200, body)

        if request.query.get("alt") != ["sse"]:
            return self.error_response(Scripted("error", status=400, message="This fake streams only with alt=sse"), "")
        words = self.words()
        events = []
        sent = words if scripted is None or scripted.kind != "stream_error" else words[: scripted.after_deltas]
        for index, word in enumerate(sent):
            last = index == len(words) - 1
            chunk = {
                "candidates": [candidate(word, "STOP" if last else None)],
                "modelVersion": model,
                "responseId": response_id,
            }
            # Gemini repeats the prompt count on every chunk and reports the final output count on the last.
            chunk["usageMetadata"] = self._usage() if last else {"promptTokenCount": self.input_tokens}
            events.append(sse(chunk))
        if scripted is not None and scripted.kind == "stream_error":
            status = 500 if scripted.code is None else int(scripted.code)
            error = {
                "code": status,
                "message": scripted.message or "An internal error has occurred. Please retry.",
                "status": STATUSES.get(status, "INTERNAL"),
            }
            events.append(sse({"error": error}))
        return Response(200, events=events)

    def error_response(self, scripted: Scripted, key: str) -> Response:
        status = scripted.status
        message = scripted.message or {
            400: "Request contains an invalid argument.",
            401: "Request is missing required authentication credential.",
            403: f"Method doesn't allow unregistered callers. Key used: {self.shown_key(key)}",
            404: "Requested entity was not found.",
            429: "You exceeded your current quota, please check your plan and billing details.",
        }.get(status, "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting")
        error = {"code": status, "message": message, "status": STATUSES.get(status, "INTERNAL")}
        headers = {}
        if status == 429:
            quota_id = (
                "GenerateRequestsPerDayPerProjectPerModel-FreeTier"
                if scripted.code == "per_day"
                else "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"
            )
            error["details"] = [
                {
                    "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                    "violations": [{"quotaMetric": "generativelanguage.googleapis.com/generate_content_requests", "quotaId": quota_id}],
                }
            ]
            if scripted.retry_after is not None:
                error["details"].append({"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{scripted.retry_after}s"})
        elif scripted.retry_after is not None:
            headers["retry-after"] = scripted.retry_after
        return self.json_response(status, {"error": error}, headers)

    def invalid_key_response(self, key: str) -> Response:
        """Respond to a bad key the way Gemini does: HTTP 400 INVALID_ARGUMENT with reason API_KEY_INVALID."""
        error = {
            "code": 400,
            "message": f"API key not valid. Please pass a valid API key. (key={self.shown_key(key)})",
            "status": "INVALID_ARGUMENT",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "API_KEY_INVALID",
                    "domain": "googleapis.com",
                    "metadata": {"service": "generativelanguage.googleapis.com"},
                },
                {
                    "@type": "type.googleapis.com/google.rpc.LocalizedMessage",
                    "locale": "en-US",
                    "message": "API key not valid. Please pass a valid API key.",
                },
            ],
        }
        return self.json_response(400, {"error": error})
