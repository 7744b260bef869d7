"""The threaded HTTP server, request log and failure script shared by the three provider fakes."""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from providers.catalog import load_catalog


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the fake received it. Header names are lower case."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self):
        return json.loads(self.body) if self.body else None


@dataclass
class Scripted:
    """One scripted response, used for the next request instead of the normal one.

    kind is "error" (HTTP `status` in the provider's error format), "invalid_key" (the
    provider's own answer to a bad key), "slow" (wait `delay` seconds, then respond
    normally) or "stream_error" (a 200 stream that sends `after_deltas` text deltas, then
    the provider's in-stream error event).
    """

    kind: str
    status: int = 500
    retry_after: str | None = None
    code: str | None = None
    message: str | None = None
    delay: float = 0.0
    after_deltas: int = 1


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # For SSE: a list of already-encoded events, sent one by one and then the connection closes.
    events: list[bytes] | None = None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle's algorithm on, the client's
    # delayed ACK would add about 40 ms to every response and skew latency benchmarks.
    disable_nagle_algorithm = True

    def log_message(self, format, *args):
        # Keep test output quiet; the fake's `requests` list is the log.
        pass

    def _serve(self):
        self.server.fake._serve(self)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve


class FakeProviderServer:
    """Base class: subclasses implement `key_of`, `route`, `error_response` and `invalid_key_response`."""

    provider = ""
    # Appended to the origin to form the base URL that the provider's SDK expects.
    base_path = ""

    def __init__(self):
        self.answer_text = "The fake provider answers: grounded replies need good sources."
        self.input_tokens = 21
        self.output_tokens = 9
        self.models: list[str] = []
        self.invalid_keys: set[str] = set()
        self.echo_key_in_errors = True
        self.chunk_delay = 0.0
        self.requests: list[RecordedRequest] = []
        self._script: deque[Scripted] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ---

    def start(self):
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.fake = self
        # A short poll interval makes stop() return in about 50 ms instead of the default 0.5 s.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=f"fake-{self.provider}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self):
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=5)
            self._httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    @property
    def origin(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        """The base URL to give the provider's SDK (and our adapters)."""
        return self.origin + self.base_path

    # --- per-test configuration ---

    def fail(self, status, *, times=1, retry_after=None, code=None, message=None):
        """Respond to the next `times` requests with HTTP `status` in the provider's error format.

        `retry_after` (seconds, as a string or number) sets the Retry-After header (and
        Gemini's RetryInfo). `code` picks a provider-specific variant, e.g.
        "insufficient_quota" for OpenAI or "per_day" for a Gemini daily quota.
        """
        retry_after = None if retry_after is None else str(retry_after)
        self._push(times, Scripted("error", status=status, retry_after=retry_after, code=code, message=message))

    def fail_invalid_key(self, *, times=1):
        """Respond to the next `times` requests as the provider responds to an invalid key."""
        self._push(times, Scripted("invalid_key"))

    def slow(self, seconds, *, times=1):
        """Delay the next `times` responses by `seconds` before any byte is sent."""
        self._push(times, Scripted("slow", delay=seconds))

    def break_stream(self, *, after_deltas=1, times=1, code=None, message=None):
        """Make the next `times` streams send `after_deltas` deltas, then an error event inside the 200 stream."""
        self._push(times, Scripted("stream_error", after_deltas=after_deltas, code=code, message=message))

    def reset(self):
        """Forget recorded requests and pending scripted answers."""
        with self._lock:
            self.requests.clear()
            self._script.clear()

    def requests_to(self, path_fragment: str) -> list[RecordedRequest]:
        return [request for request in self.requests if path_fragment in request.path]

    def _push(self, times, scripted):
        with self._lock:
            self._script.extend(scripted for _ in range(times))

    # --- serving ---

    def _serve(self, handler: BaseHTTPRequestHandler):
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        url = urlsplit(handler.path)
        request = RecordedRequest(
            method=handler.command,
            path=url.path,
            query=parse_qs(url.query),
            headers={name.lower(): value for name, value in handler.headers.items()},
            body=body,
        )
        with self._lock:
            self.requests.append(request)
            scripted = self._script.popleft() if self._script else None

        if scripted is not None and scripted.kind == "slow":
            if self._stopping.wait(scripted.delay):
                return
            scripted = None

        key = self.key_of(request)
        if not key or key in self.invalid_keys:
            response = self.invalid_key_response(key)
        elif scripted is not None and scripted.kind == "invalid_key":
            response = self.invalid_key_response(key)
        elif scripted is not None and scripted.kind == "error":
            response = self.error_response(scripted, key)
        else:
            try:
                response = self.route(request, scripted)
            except (ValueError, KeyError) as exc:
                response = self.error_response(Scripted("error", status=400, message=f"Malformed request: {exc}"), key)
        self._send(handler, response)

    def _send(self, handler, response: Response):
        try:
            handler.send_response(response.status)
            for name, value in response.headers.items():
                handler.send_header(name, value)
            if response.events is None:
                handler.send_header("Content-Length", str(len(response.body)))
                handler.end_headers()
                handler.wfile.write(response.body)
                return
            handler.send_header("Content-Type", "text/event-stream")
            handler.send_header("Cache-Control", "no-cache")
            handler.send_header("Connection", "close")
            handler.end_headers()
            handler.close_connection = True
            for event in response.events:
                handler.wfile.write(event)
                handler.wfile.flush()
                if self.chunk_delay and self._stopping.wait(self.chunk_delay):
                    return
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (timeout or a closed stream); nothing left to answer.
            handler.close_connection = True

    # --- helpers for subclasses ---

    @staticmethod
    def json_response(status, payload, headers=None) -> Response:
        return Response(
            status,
            json.dumps(payload).encode(),
            {"Content-Type": "application/json", **(headers or {})},
        )

    def words(self) -> list[str]:
        """Split the answer into word-sized deltas that join back to the exact text."""
        words = self.answer_text.split(" ")
        return [word if index == 0 else " " + word for index, word in enumerate(words)]

    def shown_key(self, key: str) -> str:
        return key if self.echo_key_in_errors else "***"

    # --- to implement ---

    def key_of(self, request: RecordedRequest) -> str:
        raise NotImplementedError

    def route(self, request: RecordedRequest, scripted: Scripted | None) -> Response:
        raise NotImplementedError

    def error_response(self, scripted: Scripted, key: str) -> Response:
        raise NotImplementedError

    def invalid_key_response(self, key: str) -> Response:
        raise NotImplementedError


def sse(data, event: str | None = None) -> bytes:
    """Encode one server-sent event."""
    text = data if isinstance(data, str) else json.dumps(data)
    prefix = f"event: {event}\n" if event else ""
    return f"{prefix}data: {text}\n\n".encode()


def catalog_models(provider: str) -> list[str]:
    """Return the model ids that the shipped catalog lists for `provider`."""
    return [entry.model_id for entry in load_catalog() if entry.provider == provider]
