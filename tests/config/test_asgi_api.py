"""config.asgi: the API under /api/ runs API_MIDDLEWARE, everything else the full MIDDLEWARE.

Requests go through the ASGI application that uvicorn serves (not Django's test client,
which always builds the full middleware list), with the chat path's database work on
worker threads as in production. The data is committed (transaction=True) so that those
threads can read it.
"""

import asyncio

import httpx
import pytest

from agents.models import Conversation
from config.asgi import application, is_api_request
from tests.agents.conftest import host_provider, make_agent, make_token
from tests.fakes.fixtures import fake_openai  # noqa: F401 (fixture)
from usage.models import UsageEvent

pytestmark = pytest.mark.django_db(transaction=True)


async def request_application(method, path, **kwargs):
    transport = httpx.ASGITransport(app=application)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.request(method, path, **kwargs)


def send(method, path, **kwargs):
    return asyncio.run(request_application(method, path, **kwargs))


@pytest.fixture
def api_agent(org, settings, fake_openai):
    settings.DB_WORKER_THREADS = 2
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.AGENT_PROVIDER_MAX_RETRIES = 0
    host_provider(settings, "openai", fake_openai)
    agent = make_agent(org)
    _channel, _token, plaintext = make_token(agent)
    return agent, plaintext


def test_chat_through_the_asgi_application(api_agent, fake_openai):
    agent, token = api_agent
    url = f"/api/v1/agents/{agent.public_id}/chat"
    headers = {"Authorization": f"Bearer {token}"}

    first = send("POST", url, json={"message": "Hello?"}, headers=headers)
    second = send("POST", url, json={"message": "And then?", "conversation_id": first.json()["conversation_id"]}, headers=headers)

    assert first.status_code == 200, first.text
    assert second.status_code == 200, second.text
    assert first.json()["answer"] == fake_openai.answer_text
    assert second.json()["conversation_id"] == first.json()["conversation_id"]
    conversation = Conversation.objects.get()
    assert conversation.messages.count() == 4
    assert UsageEvent.objects.count() == 2
    # The second turn sent the first exchange as history.
    assert [m["content"] for m in fake_openai.requests[-1].json["messages"][1:]] == ["Hello?", fake_openai.answer_text, "And then?"]


def test_api_responses_carry_security_headers_and_no_cookies(api_agent):
    agent, token = api_agent

    response = send("POST", f"/api/v1/agents/{agent.public_id}/chat", json={"message": "Hi"}, headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Accept-Language" in response.headers["Vary"]
    assert "set-cookie" not in response.headers


def test_api_errors_follow_accept_language(api_agent):
    agent, _token = api_agent
    url = f"/api/v1/agents/{agent.public_id}/chat"

    english = send("POST", url, json={"message": "Hi"})
    chinese = send("POST", url, json={"message": "Hi"}, headers={"Accept-Language": "zh-hans"})

    assert english.status_code == chinese.status_code == 401
    assert english.json()["error"]["message"].startswith("The Authorization header is missing")
    assert chinese.json()["error"]["message"].startswith("缺少 Authorization 请求头")


def test_other_paths_keep_the_full_middleware(api_agent):
    dashboard = send("GET", "/")
    openapi = send("GET", "/api/v1/openapi.json")

    # LoginRequiredMiddleware (only in MIDDLEWARE) sends an anonymous visitor to sign in.
    assert dashboard.status_code == 302
    assert "/login" in dashboard.headers["Location"]
    assert openapi.status_code == 200
    assert "set-cookie" not in openapi.headers


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ({"type": "http", "path": "/api/v1/agents/x/chat"}, True),
        ({"type": "http", "path": "/flexy/api/v1/openapi.json", "root_path": "/flexy"}, True),
        ({"type": "http", "path": "/apis-are-not-the-api/"}, False),
        ({"type": "http", "path": "/settings/llm-keys/"}, False),
        ({"type": "lifespan"}, False),
    ],
)
def test_is_api_request(scope, expected):
    assert is_api_request(scope) is expected


def test_unknown_api_path_gets_a_json_404(api_agent):
    for path in ("/api/v1/agents/", "/api/v2/anything", "/api/"):
        response = send("GET", path, headers={"Accept-Language": "zh-hans"})

        assert response.status_code == 404, path
        assert response.headers["Content-Type"] == "application/json"
        assert response.json()["error"]["code"] == "not_found"
        assert "没有 API 端点" in response.json()["error"]["message"]


def test_missing_token_names_the_bearer_scheme(api_agent):
    agent, _token = api_agent

    response = send("POST", f"/api/v1/agents/{agent.public_id}/chat", json={"message": "Hi"})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="FlexyAgents API"'


def send_from_new_thread(method, path, connected, **kwargs):
    """Call the application from a new thread's event loop, as uvicorn does.

    With `connected`, the loop's context has a database connection handle first, as one can
    after asgiref's async_to_sync has copied a context back into the thread.
    """
    import concurrent.futures

    from django.db import connections

    async def call():
        if connected:
            connections["default"]
        return await request_application(method, path, **kwargs)

    with concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="event-loop") as executor:
        return executor.submit(asyncio.run, call()).result(timeout=30)


@pytest.mark.parametrize("connected", [False, True])
def test_request_signals_are_sent_once(api_agent, connected):
    import threading

    from django.core import signals

    agent, token = api_agent
    seen = []

    def started(**kwargs):
        seen.append(("started", threading.current_thread().name))

    def finished(**kwargs):
        seen.append(("finished", threading.current_thread().name))

    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    try:
        response = send_from_new_thread(
            "POST", f"/api/v1/agents/{agent.public_id}/chat", connected,
            json={"message": "Hi"}, headers={"Authorization": f"Bearer {token}"},
        )
    finally:
        signals.request_started.disconnect(started)
        signals.request_finished.disconnect(finished)

    assert response.status_code == 200
    assert [event for event, _thread in seen] == ["started", "finished"]
    threads = {thread for _event, thread in seen}
    if connected:
        # The loop's context has a connection: the receivers ran in another thread, as in Django.
        assert "event-loop_0" not in threads
    else:
        # No connection on the loop's thread: the receivers ran there, without a thread hop.
        assert threads == {"event-loop_0"}


def test_disconnected_client_turn_recorded(api_agent, fake_openai):
    """The API does not cancel a view when its client goes away: usage is recorded once."""
    agent, token = api_agent
    fake_openai.slow(0.5)
    body = b'{"message": "Are you there?"}'
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": f"/api/v1/agents/{agent.public_id}/chat", "raw_path": b"",
        "root_path": "", "query_string": b"", "server": ("testserver", 80), "client": ("127.0.0.1", 5000),
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"),
                    (b"authorization", f"Bearer {token}".encode())],
    }
    sent = []

    async def call():
        messages = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive():
            if messages:
                return messages.pop(0)
            return {"type": "http.disconnect"}  # the client is gone as soon as it has sent

        async def send_message(message):
            sent.append(message["type"])

        await application(scope, receive, send_message)

    asyncio.run(call())

    assert sent == ["http.response.start", "http.response.body"]
    assert UsageEvent.objects.count() == 1
    assert Conversation.objects.get().messages.count() == 2
