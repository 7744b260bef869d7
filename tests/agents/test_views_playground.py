"""The chat playground page and its send endpoint (streamed NDJSON or plain form post)."""

import json
import re
import uuid

import pytest
from asgiref.sync import async_to_sync

from agents.models import Conversation, Message, Trace
from tests.agents.conftest import HOSTED_SECRETS, host_provider, make_agent, make_org_key
from tests.agents.extractive_fixtures import (  # noqa: F401 (fixtures)
    CHINESE_LABEL,
    CHINESE_QUESTION,
    IMAGE_MARKUP,
    PERMITS_LABEL,
    QUESTION,
    SCRIPT_MARKUP,
    STORAGE_LABEL,
    extractive_agent,
    hostile_knowledge,
)

pytestmark = pytest.mark.django_db

NDJSON = "application/x-ndjson"


def page_url(agent):
    return f"/agents/{agent.public_id}/playground/"


def send_url(agent):
    return f"/agents/{agent.public_id}/playground/send/"


def read_events(response):
    """Consume the streamed NDJSON body (an async iterator) and return its events."""

    async def collect():
        return [chunk async for chunk in response.streaming_content]

    body = b"".join(async_to_sync(collect)()).decode()
    return [json.loads(line) for line in body.splitlines() if line.strip()]


@pytest.fixture
def agent(org, settings, fake_openai):
    host_provider(settings, "openai", fake_openai)
    return make_agent(org)


def test_page_works(client_for, agent):
    response = client_for("builder").get(page_url(agent))

    assert response.status_code == 200
    assert 'id="chat-form"' in response.content.decode()


def test_page_limits_message_length(client_for, agent, settings):
    settings.AGENT_MAX_MESSAGE_CHARS = 1234

    page = client_for("builder").get(page_url(agent)).content.decode()

    assert 'data-max-chars="1234"' in page
    assert "maxlength" not in page  # maxlength would cut a long paste without notice
    assert 'id="chat-count"' in page


@pytest.mark.parametrize(
    "language, too_long",
    [
        ("en", "The message has {count} characters; the maximum is {limit}. Shorten it before sending."),
        ("zh-hans", "消息有 {count} 个字符，上限为 {limit}。请缩短后再发送。"),
    ],
)
def test_page_translates_too_long_error(client_for, agent, language, too_long):
    client = client_for("builder")
    client.cookies["django_language"] = language

    page = client.get(page_url(agent)).content.decode()

    # escapejs writes a JavaScript string literal, which JSON reads the same way here.
    literal = re.search(r'tooLong: ("[^"]*")', page).group(1)
    assert json.loads(literal) == too_long


def test_page_shows_conversation(client_for, agent, fake_openai):
    client = client_for("builder")
    client.post(send_url(agent), {"message": "What is Acme?"})
    conversation = Conversation.objects.get()

    page = client.get(page_url(agent) + f"?conversation={conversation.public_id}").content.decode()

    assert "What is Acme?" in page
    assert fake_openai.answer_text in page
    assert "Paid by: your plan (hosted)" in page


def test_page_unknown_conversation_404(client_for, agent):
    client = client_for("builder")

    assert client.get(page_url(agent) + f"?conversation={uuid.uuid4()}").status_code == 404
    assert client.get(page_url(agent) + "?conversation=nope").status_code == 404


def test_page_wrong_method_405(client_for, agent):
    assert client_for("builder").post(page_url(agent)).status_code == 405


def test_page_outsider_404(client_for, agent):
    assert client_for("outsider").get(page_url(agent)).status_code == 404


def test_page_without_permission_403(client_for, agent):
    assert client_for("support").get(page_url(agent)).status_code == 403


def test_page_bad_id_404(client_for):
    assert client_for("builder").get(f"/agents/{uuid.uuid4()}/playground/").status_code == 404


def test_send_streams_answer(client_for, agent, fake_openai):
    response = client_for("builder").post(send_url(agent), {"message": "Hello"}, HTTP_ACCEPT=NDJSON)

    events = read_events(response)
    deltas = [event["text"] for event in events if event["type"] == "delta"]
    done = events[-1]
    assert response.status_code == 200
    assert response["Content-Type"] == NDJSON
    assert len(deltas) > 1
    assert "".join(deltas) == fake_openai.answer_text
    assert done["type"] == "done"
    assert done["status"] == "ok"
    assert done["conversation_id"] == str(Conversation.objects.get().public_id)
    assert "in / " in done["html"]
    assert Trace.objects.get().streamed is True
    assert HOSTED_SECRETS["openai"] not in json.dumps(events)


def test_send_keeps_conversation_across_turns(client_for, agent, fake_openai):
    client = client_for("builder")
    first = read_events(client.post(send_url(agent), {"message": "One"}, HTTP_ACCEPT=NDJSON))[-1]

    read_events(client.post(send_url(agent), {"message": "Two", "conversation": first["conversation_id"]}, HTTP_ACCEPT=NDJSON))

    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 4
    user_turns = [m["content"] for m in fake_openai.requests[-1].json["messages"] if m["role"] == "user"]
    assert user_turns == ["One", "Two"]


def test_send_partial_offers_retry(client_for, agent, fake_openai):
    fake_openai.break_stream(after_deltas=2)

    events = read_events(client_for("builder").post(send_url(agent), {"message": "Hello"}, HTTP_ACCEPT=NDJSON))

    done = events[-1]
    assert done["status"] == "partial"
    assert "Retry this question" in done["html"]
    assert 'value="Hello"' in done["html"]
    assert Message.objects.get(role="assistant").status == "partial"


def test_page_names_why_answer_is_partial(client_for, agent, fake_openai):
    client = client_for("builder")
    fake_openai.break_stream(after_deltas=2)
    read_events(client.post(send_url(agent), {"message": "Hello"}, HTTP_ACCEPT=NDJSON))
    conversation = Conversation.objects.get()
    url = page_url(agent) + f"?conversation={conversation.public_id}"

    broken = client.get(url).content.decode()
    Trace.objects.filter(status="partial").update(error_code="client_disconnected")
    closed = client.get(url).content.decode()

    assert "The provider failed mid-answer" in broken
    assert "The page was closed mid-answer" in closed
    assert "The provider failed mid-answer" not in closed


def test_send_refusal_returns_json_error(client_for, org, fake_openai):
    agent = make_agent(org, strategy="byok")

    response = client_for("builder").post(send_url(agent), {"message": "Hello"}, HTTP_ACCEPT=NDJSON)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "no_key"
    assert fake_openai.requests == []


def test_send_empty_message_422(client_for, agent, fake_openai):
    response = client_for("builder").post(send_url(agent), {"message": "  "}, HTTP_ACCEPT=NDJSON)

    assert response.status_code == 422
    assert fake_openai.requests == []


def test_send_without_javascript_redirects(client_for, agent, fake_openai):
    response = client_for("builder").post(send_url(agent), {"message": "Hello"})

    conversation = Conversation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == page_url(agent) + f"?conversation={conversation.public_id}"


def test_send_byok_page_hides_secret(client_for, org, fake_openai):
    api_key, secret = make_org_key(org, base_url=fake_openai.base_url)
    agent = make_agent(org, strategy="byok")
    client = client_for("builder")

    events = read_events(client.post(send_url(agent), {"message": "Hello"}, HTTP_ACCEPT=NDJSON))
    page = client.get(page_url(agent) + f"?conversation={events[-1]['conversation_id']}").content.decode()

    assert f"…{api_key.fingerprint}" in page
    assert secret not in page
    assert secret not in json.dumps(events)


def test_send_wrong_method_405(client_for, agent):
    assert client_for("builder").get(send_url(agent)).status_code == 405


def test_send_outsider_404(client_for, agent):
    assert client_for("outsider").post(send_url(agent), {"message": "Hi"}).status_code == 404


def test_send_without_permission_403(client_for, agent, fake_openai):
    assert client_for("finance").post(send_url(agent), {"message": "Hi"}).status_code == 403
    assert fake_openai.requests == []


def test_send_bad_id_404(client_for):
    assert client_for("builder").post(f"/agents/{uuid.uuid4()}/playground/send/", {"message": "Hi"}).status_code == 404


def test_send_other_agents_conversation_404(client_for, org, agent):
    other = make_agent(org, name="Other")
    foreign = Conversation.objects.create(organization=org, agent=other)

    response = client_for("builder").post(send_url(agent), {"message": "Hi", "conversation": str(foreign.public_id)})

    assert response.status_code == 404


def block_quotes(html):
    return re.findall(r'<blockquote class="answer-quote"><p>(.*?)</p></blockquote>', html, re.S)


def citation_items(html):
    listing = re.search(r'<ol class="citations"[^>]*>(.*?)</ol>', html, re.S)
    return [re.sub(r"<[^>]+>", "", item).strip() for item in re.findall(r"<li>(.*?)</li>", listing.group(1), re.S)]


def assert_markup_escaped(html):
    assert SCRIPT_MARKUP not in html
    assert IMAGE_MARKUP not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&#x27;xss-racks&#x27;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(&#x27;xss-label&#x27;)&gt;" in html


def test_extractive_stream_done_html_quotes(client_for, extractive_agent):
    events = read_events(client_for("builder").post(send_url(extractive_agent), {"message": QUESTION}, HTTP_ACCEPT=NDJSON))

    html = events[-1]["html"]
    quotes = block_quotes(html)
    assert len(quotes) == 3
    assert [re.search(r'<span class="answer-ref">\[(\d)\]</span>$', quote).group(1) for quote in quotes] == ["1", "2", "2"]
    assert citation_items(html) == [PERMITS_LABEL, STORAGE_LABEL]
    assert "not a language model" in html
    assert "<p>&gt;" not in html
    assert_markup_escaped(html)


def test_extractive_stream_deltas_are_stored_text(client_for, extractive_agent):
    events = read_events(client_for("builder").post(send_url(extractive_agent), {"message": QUESTION}, HTTP_ACCEPT=NDJSON))

    deltas = [event["text"] for event in events if event["type"] == "delta"]
    answer = Message.objects.get(role="assistant")
    assert len(deltas) > 10
    assert "".join(deltas) == answer.content
    assert answer.content.count("\n\n“") == 3
    assert SCRIPT_MARKUP in answer.content
    assert [citation["label"] for citation in answer.citations] == [PERMITS_LABEL, STORAGE_LABEL]
    assert (answer.traces.get().input_tokens, answer.traces.get().output_tokens) == (0, 0)


def test_extractive_page_renders_quotes(client_for, extractive_agent):
    client = client_for("builder")
    client.post(send_url(extractive_agent), {"message": QUESTION})
    conversation = Conversation.objects.get()

    page = client.get(page_url(extractive_agent) + f"?conversation={conversation.public_id}").content.decode()

    assert len(block_quotes(page)) == 3
    assert citation_items(page) == [PERMITS_LABEL, STORAGE_LABEL]
    assert_markup_escaped(page)


def test_extractive_chinese_answer(client_for, extractive_agent):
    events = read_events(
        client_for("builder").post(send_url(extractive_agent), {"message": CHINESE_QUESTION}, HTTP_ACCEPT=NDJSON)
    )

    html = events[-1]["html"]
    assert "我不是语言模型" in html
    assert block_quotes(html) == ['停车证由设施部门在入职第一天发放。 <span class="answer-ref">[1]</span>']
    assert citation_items(html) == [CHINESE_LABEL]
