"""The public widget endpoints: origin check, CORS, streaming, rate limit and language."""

import json

import pytest
from asgiref.sync import async_to_sync
from django.core.cache import cache
from django.test import Client

from agents.bluegreen.clone import clone_agent
from agents.models import Conversation, Trace
from agents.widget.policy import InvalidOrigin, normalize_origin, visitor_language

pytestmark = pytest.mark.django_db

ORIGIN = "https://shop.example"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def chat(client, channel, message="When do parcels leave the warehouse?", origin=ORIGIN, **body):
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    return client.post(
        f"/widget/{channel.public_id}/chat",
        data=json.dumps({"message": message, "visitor_id": "visitor-1", **body}),
        content_type="application/json",
        **headers,
    )


def events_of(response):
    """Read a streamed NDJSON answer; the sync test client hands async streams over unread."""

    async def read():
        return b"".join([chunk async for chunk in response.streaming_content])

    body = async_to_sync(read)().decode()
    return [json.loads(line) for line in body.splitlines() if line.strip()]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("https://Shop.Example", "https://shop.example"),
        ("https://shop.example:443/", "https://shop.example"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("http://localhost:80", "http://localhost"),
    ],
)
def test_normalize_origin_accepts(value, expected):
    assert normalize_origin(value) == expected


@pytest.mark.parametrize("value", ["", "null", "shop.example", "ftp://shop.example", "https://shop.example/path", "https://"])
def test_normalize_origin_rejects(value):
    with pytest.raises(InvalidOrigin):
        normalize_origin(value)


def test_visitor_language():
    assert visitor_language("zh-CN") == "zh-hans"
    assert visitor_language("zh-Hans") == "zh-hans"
    assert visitor_language("en-GB") == "en"
    assert visitor_language("") == "en"


def test_config_for_allowed_origin(widget_channel, org):
    response = Client().get(f"/widget/{widget_channel.public_id}/config", HTTP_ORIGIN=ORIGIN)

    data = response.json()
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "Origin" in response["Vary"]
    assert data["organization"] == org.name
    assert data["brand_color"] == org.brand_color
    assert data["texts"]["send"] == "Send"


def test_config_in_chinese(widget_channel):
    response = Client().get(f"/widget/{widget_channel.public_id}/config?lang=zh-CN", HTTP_ORIGIN=ORIGIN)

    data = response.json()
    assert data["language"] == "zh-hans"
    assert data["texts"]["send"] != "Send"


def test_config_uses_referer_without_origin(widget_channel):
    response = Client().get(f"/widget/{widget_channel.public_id}/config", HTTP_REFERER=f"{ORIGIN}/products/1?x=2")

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ORIGIN


@pytest.mark.parametrize("headers", [{"HTTP_ORIGIN": "https://evil.example"}, {}, {"HTTP_ORIGIN": "null"}])
def test_config_rejects_other_origins(widget_channel, headers):
    response = Client().get(f"/widget/{widget_channel.public_id}/config", **headers)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "origin_not_allowed"
    assert "Access-Control-Allow-Origin" not in response


def test_config_unknown_widget_404(widget_channel):
    response = Client().get("/widget/00000000-0000-0000-0000-000000000000/config", HTTP_ORIGIN=ORIGIN)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "widget_not_found"


def test_config_api_channel_is_not_a_widget(api_channel):
    response = Client().get(f"/widget/{api_channel.public_id}/config", HTTP_ORIGIN=ORIGIN)

    assert response.status_code == 404


def test_config_wrong_method(widget_channel):
    response = Client().post(f"/widget/{widget_channel.public_id}/config", HTTP_ORIGIN=ORIGIN)

    assert response.status_code == 405
    assert response["Allow"] == "GET, OPTIONS"


def test_chat_preflight(widget_channel):
    response = Client().options(f"/widget/{widget_channel.public_id}/chat", HTTP_ORIGIN=ORIGIN)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in response["Access-Control-Allow-Methods"]
    assert response["Access-Control-Allow-Headers"] == "Content-Type"


def test_chat_streams_answer_with_citations(widget_channel, agent):
    response = chat(Client(), widget_channel)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    events = events_of(response)
    deltas = [event["text"] for event in events if event["type"] == "delta"]
    done = events[-1]
    assert "Rotterdam" in "".join(deltas)
    assert done["type"] == "done"
    assert done["status"] == "ok"
    assert done["citations"]
    assert "handbook.md" in done["citations"][0]["label"]
    conversation = Conversation.objects.get(public_id=done["conversation_id"])
    assert conversation.channel_id == widget_channel.pk
    assert conversation.agent_id == agent.pk
    assert conversation.visitor_ref == "widget:visitor-1"


def test_chat_continues_conversation(widget_channel):
    client = Client()
    first = events_of(chat(client, widget_channel))[-1]

    second = events_of(chat(client, widget_channel, "And refunds?", conversation_id=first["conversation_id"]))[-1]

    assert second["conversation_id"] == first["conversation_id"]
    assert Conversation.objects.get().messages.count() == 4


def test_chat_other_visitor_cannot_continue(widget_channel):
    client = Client()
    first = events_of(chat(client, widget_channel))[-1]

    response = chat(client, widget_channel, conversation_id=first["conversation_id"], visitor_id="someone-else")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "conversation_not_found"


def test_chat_rejects_disallowed_origin(widget_channel):
    response = chat(Client(), widget_channel, origin="https://evil.example")

    assert response.status_code == 403
    assert "https://evil.example" in response.json()["error"]["message"]
    assert not Trace.objects.exists()


def test_chat_rate_limited_per_visitor(widget_channel):
    client = Client()
    for _ in range(3):
        response = chat(client, widget_channel)
        assert response.status_code == 200
        events_of(response)

    response = chat(client, widget_channel)

    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 61
    assert response.json()["error"]["code"] == "rate_limited"
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    assert Trace.objects.count() == 3
    other_visitor = Client(REMOTE_ADDR="10.0.0.9")
    assert chat(other_visitor, widget_channel).status_code == 200


def test_chat_rejects_malformed_body(widget_channel):
    response = Client().post(
        f"/widget/{widget_channel.public_id}/chat", data="{not json", content_type="application/json", HTTP_ORIGIN=ORIGIN
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"


def test_chat_rejects_empty_message(widget_channel):
    response = chat(Client(), widget_channel, message="   ")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_message"


def test_chat_hides_configuration_errors_from_visitors(widget_channel, agent):
    agent.provider, agent.model_id, agent.strategy = "openai", "gpt-4o-mini", "byok"
    agent.save()

    response = chat(Client(), widget_channel)

    assert response.status_code == 503
    message = response.json()["error"]["message"]
    assert "LLM API Keys" not in message
    assert "not available" in message


def test_chat_wrong_method(widget_channel):
    response = Client().get(f"/widget/{widget_channel.public_id}/chat", HTTP_ORIGIN=ORIGIN)

    assert response.status_code == 405


def test_chat_unknown_widget_404(widget_channel):
    response = Client().post(
        "/widget/00000000-0000-0000-0000-000000000000/chat", data="{}", content_type="application/json", HTTP_ORIGIN=ORIGIN
    )

    assert response.status_code == 404


def test_chat_follows_swapped_agent_with_same_widget_id(widget_channel, agent):
    from .test_swap import finished_run
    from agents.bluegreen.swap import swap_channels

    candidate = clone_agent(agent)
    finished_run(agent, passed=1)
    finished_run(candidate, passed=1)
    swap_channels(candidate, [widget_channel.public_id])

    response = chat(Client(), widget_channel)

    assert response.status_code == 200, response.content
    events_of(response)
    assert Trace.objects.get().agent_id == candidate.pk
