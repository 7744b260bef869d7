"""Wire-level fake provider servers for tests, speaking each provider's documented HTTP API.

Each fake is a threaded HTTP server on 127.0.0.1 with a free port, driven through the real
SDKs (never a mock of our adapters). Fixtures in `tests.fakes.fixtures` start one per test:
`fake_openai`, `fake_anthropic`, `fake_gemini`, and `fake_providers` ({provider id: fake}).
Import them into a test package's conftest.py (pytest accepts `pytest_plugins` only in the
root conftest):

    from tests.fakes.fixtures import fake_anthropic, fake_gemini, fake_openai  # noqa: F401

Each fake also works without pytest: `with FakeOpenAI() as fake: ...`.

Fixture API (the same on every fake):

- `fake.base_url`: the URL to pass as `base_url` to `providers.get_adapter` or the SDK
  (OpenAI's ends in /v1; Anthropic's and Gemini's are the bare origin).
- `fake.requests`: list of `RecordedRequest(method, path, query, headers, body)` with a
  `.json` property; header names are lower case. `fake.requests_to("/chat")` filters by
  path. Assert `fake.requests == []` to prove that no call reached the provider.
- `fake.answer_text`, `fake.input_tokens`, `fake.output_tokens`: the answer and the usage
  every successful chat reports, streamed or not (streams send it word by word).
- `fake_openai.stream_usage = False`: streams end without the include_usage chunk.
- `fake_gemini.thoughts_tokens`: thinking tokens reported apart from the answer's (default 0).
- `fake.models`: model ids that the model list returns and chat accepts (others get 404).
- `fake.invalid_keys`: keys always rejected the provider's way. Any other non-empty key works.
- `fake.fail(status, times=1, retry_after=None, code=None, message=None)`: answer the
  next requests with an HTTP error in the provider's format, e.g. 401, 403, 429 with
  Retry-After, 500, 529 (Anthropic). `code="insufficient_quota"` gives OpenAI's quota
  error; `code="per_day"` gives Gemini's daily-quota 429.
- `fake.fail_invalid_key(times=1)`: the provider's bad-key answer (OpenAI and Anthropic
  401; Gemini 400 INVALID_ARGUMENT with reason API_KEY_INVALID).
- `fake.slow(seconds, times=1)`: wait before answering (for timeouts).
- `fake.break_stream(after_deltas=1, times=1, code=None, message=None)`: a 200 stream
  that sends some deltas and then the provider's in-stream error event. `code` sets the
  error's type for OpenAI ("server_error") and Anthropic ("overloaded_error"), and its
  HTTP status for Gemini (500).
- `fake.chunk_delay`: seconds between streamed events (default 0).
- `fake.echo_key_in_errors` (default True): error messages repeat the presented key in
  full, the worst case for redaction tests.
- `fake.reset()`: clear recorded requests and scripted answers.

Scripted answers are used in order, one per incoming request, before normal answers.
"""
