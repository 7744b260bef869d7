"""A wire-level fake of Gemini's generateContent and Files API for enrichment tests.

Speaks the HTTP API that google-genai sends to `base_url`, under any API version because the
SDK picks v1 or v1beta. The endpoints are `POST /{version}/models/{model}:generateContent` with inline data or
a file URI, the resumable upload protocol (`POST /upload/{version}/files` with
`X-Goog-Upload-Command: start`, then one or more `upload[, finalize]` requests to the
returned upload URL), `GET /{version}/files/{id}` (state PROCESSING for `processing_polls`
reads, then ACTIVE) and `DELETE /{version}/files/{id}`.
A request with the key `REJECTED_KEY` gets Gemini's answer to an invalid key: HTTP 400
INVALID_ARGUMENT with reason API_KEY_INVALID.
"""

import base64
import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

REJECTED_KEY = "rejected-gemini-key"


class FakeGemini:
    def __init__(self, *, processing_polls=2, reply_text="A red bicycle leaning on a wall."):
        self.processing_polls = processing_polls
        self.reply_text = reply_text
        self.fail_generate_status = None  # e.g. 500 to make every generateContent fail
        self.requests = []  # (method, path, api key)
        self.generate_bodies = []
        self.files = {}  # id -> {"mime": ..., "data": bytes, "polls": int, "complete": bool}
        self.deleted = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self.server.shutdown()
        self.server.server_close()

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _body(self):
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _send(self, status, payload=None, headers=None):
                body = json.dumps(payload if payload is not None else {}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def _error(self, status, state, message, reason=None):
                error = {"code": status, "message": message, "status": state}
                if reason:
                    error["details"] = [
                        {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason, "domain": "googleapis.com"}
                    ]
                self._send(status, {"error": error})

            def _authorized(self):
                key = self.headers.get("x-goog-api-key", "")
                with fake._lock:
                    fake.requests.append((self.command, self.path, key))
                if not key:
                    self._error(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers.")
                    return False
                if key == REJECTED_KEY:
                    self._error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", "API_KEY_INVALID")
                    return False
                return True

            def do_POST(self):
                body = self._body()
                path = urlsplit(self.path).path
                if path.startswith("/upload/") and path.endswith("/files"):
                    return self._upload(body)
                if not self._authorized():
                    return
                if path.endswith(":generateContent"):
                    return self._generate(json.loads(body or b"{}"))
                self._error(404, "NOT_FOUND", f"Unknown path {path}")

            def _upload(self, body):
                query = parse_qs(urlsplit(self.path).query)
                command = self.headers.get("X-Goog-Upload-Command", "")
                if "upload_id" not in query:
                    if not self._authorized():
                        return
                    metadata = json.loads(body or b"{}").get("file", {})
                    file_id = f"fake{next(fake._ids)}"
                    with fake._lock:
                        fake.files[file_id] = {
                            "mime": self.headers.get("X-Goog-Upload-Header-Content-Type") or metadata.get("mimeType"),
                            "data": b"",
                            "polls": 0,
                            "complete": False,
                        }
                    upload_url = f"{fake.base_url}{urlsplit(self.path).path}?upload_id={file_id}&upload_protocol=resumable"
                    return self._send(200, {}, {"X-Goog-Upload-URL": upload_url, "X-Goog-Upload-Status": "active"})
                file_id = query["upload_id"][0]
                file = fake.files[file_id]
                file["data"] += body
                if "finalize" not in command:
                    return self._send(200, {}, {"X-Goog-Upload-Status": "active"})
                file["complete"] = True
                return self._send(200, {"file": self._file_json(file_id)}, {"X-Goog-Upload-Status": "final"})

            def _file_json(self, file_id):
                file = fake.files[file_id]
                state = "ACTIVE" if file["polls"] >= fake.processing_polls else "PROCESSING"
                return {
                    "name": f"files/{file_id}",
                    "mimeType": file["mime"],
                    "sizeBytes": str(len(file["data"])),
                    "uri": f"{fake.base_url}/v1beta/files/{file_id}",
                    "state": state,
                }

            def _generate(self, payload):
                with fake._lock:
                    fake.generate_bodies.append(payload)
                if fake.fail_generate_status:
                    return self._error(fake.fail_generate_status, "INTERNAL", "The model is overloaded.")
                parts = [part for content in payload.get("contents", []) for part in content.get("parts", [])]
                described = []
                for part in parts:
                    inline = part.get("inlineData") or part.get("inline_data")
                    file_data = part.get("fileData") or part.get("file_data")
                    if inline:
                        # The SDK sends URL-safe base64 without padding; Gemini accepts both alphabets.
                        encoded = inline["data"].replace("-", "+").replace("_", "/")
                        data = base64.b64decode(encoded + "=" * (-len(encoded) % 4))
                        mime = inline.get("mimeType") or inline.get("mime_type")
                        described.append(f"inline {mime} of {len(data)} bytes")
                    elif file_data:
                        uri = file_data.get("fileUri") or file_data.get("file_uri")
                        file_id = uri.rsplit("/", 1)[-1]
                        file = fake.files.get(file_id)
                        if file is None or file_id in fake.deleted:
                            return self._error(400, "INVALID_ARGUMENT", "File not found.")
                        if file["polls"] < fake.processing_polls:
                            return self._error(400, "FAILED_PRECONDITION", "The file is not in an ACTIVE state.")
                        described.append(f"file {file['mime']} of {len(file['data'])} bytes")
                text = f"{fake.reply_text} ({'; '.join(described)})"
                self._send(
                    200,
                    {
                        "candidates": [
                            {"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP", "index": 0}
                        ],
                        "usageMetadata": {"promptTokenCount": 258, "candidatesTokenCount": 12, "totalTokenCount": 270},
                        "modelVersion": "gemini-2.5-flash",
                    },
                )

            def do_GET(self):
                if not self._authorized():
                    return
                file_id = urlsplit(self.path).path.rsplit("/", 1)[-1]
                if file_id not in fake.files or file_id in fake.deleted:
                    return self._error(404, "NOT_FOUND", "File not found.")
                fake.files[file_id]["polls"] += 1
                self._send(200, self._file_json(file_id))

            def do_DELETE(self):
                if not self._authorized():
                    return
                file_id = urlsplit(self.path).path.rsplit("/", 1)[-1]
                with fake._lock:
                    fake.deleted.append(file_id)
                self._send(200, {})

        return Handler
