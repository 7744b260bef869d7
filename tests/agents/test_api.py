"""The API channel: POST /api/v1/agents/{agent_id}/chat with a channel token."""

import json
import re
import uuid
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.utils import timezone

from agents.api import ChatOut
from agents.models import Agent, Conversation, Trace
from keys.services import revoke_key
from knowledge.models import Document, KnowledgeBase
from knowledge.pipeline import process_document
from tests.agents.conftest import HOSTED_SECRETS, host_provider, make_agent, make_org_key, make_token
from tests.agents.extractive_fixtures import (  # noqa: F401 (fixtures)
    PERMITS_LABEL,
    QUESTION,
    SCRIPT_MARKUP,
    STORAGE_LABEL,
    extractive_agent,
    hostile_knowledge,
)
from usage.models import UsageEvent

pytestmark = pytest.mark.django_db


def chat_url(agent_id):
    return f"/api/v1/agents/{agent_id}/chat"


def post(client, agent_id, body, token=None, raw=None):
    """POST body as JSON (or the raw string) with the bearer token."""
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    data = raw if raw is not None else json.dumps(body)
    return client.post(chat_url(agent_id), data=data, content_type="application/json", **headers)


@pytest.fixture
def hosted(org, settings, fake_openai):
    host_provider(settings, "openai", fake_openai)
    agent = make_agent(org)
    _channel, _token, plaintext = make_token(agent)
    return agent, plaintext


def test_chat_answers(client, hosted, fake_openai):
    agent, token = hosted

    response = post(client, agent.public_id, {"message": "Hello?", "conversation_id": None}, token)

    assert response.status_code == 200
    body = response.json()
    assert body["answer"] == fake_openai.answer_text
    assert body["status"] == "ok"
    assert body["usage"] == {
        "input_tokens": fake_openai.input_tokens,
        "output_tokens": fake_openai.output_tokens,
        "billing_source": "hosted",
    }
    assert Conversation.objects.get().public_id == uuid.UUID(body["conversation_id"])
    assert HOSTED_SECRETS["openai"] not in response.content.decode()
    # The view builds the JSON itself; it must keep the shape that OpenAPI documents.
    assert ChatOut.model_validate(body).model_dump(mode="json") == body


def test_chat_continues_conversation(client, hosted, fake_openai):
    agent, token = hosted
    first = post(client, agent.public_id, {"message": "One"}, token).json()

    second = post(client, agent.public_id, {"message": "Two", "conversation_id": first["conversation_id"]}, token)

    assert second.status_code == 200
    assert second.json()["conversation_id"] == first["conversation_id"]
    user_turns = [m["content"] for m in fake_openai.requests[-1].json["messages"] if m["role"] == "user"]
    assert user_turns == ["One", "Two"]


def test_chat_wrong_method_405(client, hosted):
    agent, token = hosted

    response = client.get(chat_url(agent.public_id), HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 405


@pytest.mark.parametrize(
    "header",
    [None, "Basic abc", "Bearer ", "Bearer nonsense", "Bearer fa_00000000_wrongsecret"],
)
def test_chat_bad_token_401(client, hosted, fake_openai, header):
    agent, _token = hosted
    extra = {"HTTP_AUTHORIZATION": header} if header else {}

    response = client.post(chat_url(agent.public_id), data='{"message": "Hi"}', content_type="application/json", **extra)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_token"
    assert fake_openai.requests == []


def test_chat_wrong_secret_right_prefix_401(client, hosted, fake_openai):
    agent, token = hosted
    prefix = token.split("_")[1]

    response = post(client, agent.public_id, {"message": "Hi"}, f"fa_{prefix}_not-the-secret")

    assert response.status_code == 401
    assert fake_openai.requests == []


def test_chat_revoked_token_401(client, hosted, fake_openai):
    agent, token = hosted
    agent.channels.get().tokens.get().revoke()

    response = post(client, agent.public_id, {"message": "Hi"}, token)

    assert response.status_code == 401


def test_chat_unknown_agent_404(client, hosted):
    _agent, token = hosted

    for agent_id in (uuid.uuid4(), "not-a-uuid"):
        response = post(client, agent_id, {"message": "Hi"}, token)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "agent_not_found"


def test_chat_other_org_agent_403(client, hosted, other_org, fake_openai):
    _agent, token = hosted
    foreign = make_agent(other_org)

    response = post(client, foreign.public_id, {"message": "Hi"}, token)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "agent_not_in_organization"
    assert fake_openai.requests == []


def test_chat_agent_not_served_by_token_403(client, hosted, org):
    _agent, token = hosted
    sibling = make_agent(org, name="Another agent")

    response = post(client, sibling.public_id, {"message": "Hi"}, token)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "agent_not_served_by_token"


def test_chat_follows_swapped_channel(client, hosted, org, fake_openai):
    agent, token = hosted
    clone = make_agent(org, name="Clone", family_id=agent.family_id, system_prompt="Clone prompt.")
    agent.channels.update(agent=clone)

    response = post(client, agent.public_id, {"message": "Hi"}, token)

    assert response.status_code == 200
    assert Trace.objects.get().agent == clone
    assert fake_openai.requests[0].json["messages"][0]["content"] == "Clone prompt."


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        ("{not json", 400, "malformed_json"),
        ("[1, 2]", 400, "malformed_json"),
        ("", 400, "malformed_json"),
        ('{"conversation_id": null}', 422, "invalid_message"),
        ('{"message": 5}', 422, "invalid_message"),
        ('{"message": ""}', 422, "invalid_message"),
        ('{"message": "   "}', 422, "invalid_message"),
        ('{"message": "' + "x" * 8001 + '"}', 422, "invalid_message"),
        ('{"message": "a\\u0000b"}', 422, "invalid_message"),
        ('{"message": "x \\ud800"}', 422, "invalid_message"),
        ('{"message": "Hi", "conversation_id": "nope"}', 422, "invalid_conversation_id"),
        ('{"message": "Hi", "conversation_id": "' + str(uuid.UUID(int=1)) + '"}', 404, "conversation_not_found"),
    ],
)
def test_chat_bad_input(client, hosted, fake_openai, raw, status, code):
    agent, token = hosted

    response = post(client, agent.public_id, None, token, raw=raw)

    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]
    assert fake_openai.requests == []
    assert Conversation.objects.count() == 0
    assert UsageEvent.objects.count() == 0


def test_invalid_characters_named_in_message(client, hosted):
    agent, token = hosted

    nul = post(client, agent.public_id, None, token, raw='{"message": "a\\u0000b"}')
    surrogate = post(client, agent.public_id, None, token, raw='{"message": "x \\ud800"}')

    assert "NUL character (U+0000) at position 2" in nul.json()["error"]["message"]
    assert "unpaired surrogate (U+D800) at position 3" in surrogate.json()["error"]["message"]


def test_invalid_character_error_in_chinese(client, hosted):
    agent, token = hosted

    response = client.post(
        chat_url(agent.public_id), data='{"message": "a\\u0000b"}', content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="zh-hans",
    )

    assert response.status_code == 422
    assert "NUL 字符（U+0000）" in response.json()["error"]["message"]


def test_answer_with_unstorable_characters(client, hosted, fake_openai):
    agent, token = hosted
    fake_openai.answer_text = "Refunds\x00 take 30 days \ud800."

    response = post(client, agent.public_id, {"message": "How long do refunds take?"}, token)

    assert response.status_code == 200
    assert response.json()["answer"] == "Refunds take 30 days \ufffd."
    assert Trace.objects.get().response_text == "Refunds take 30 days \ufffd."


def test_failed_store_releases_quota(client, hosted, org, monkeypatch, caplog):
    from config.write_batch import WriteBatch
    from usage.models import QuotaPeriod

    agent, token = hosted

    def fail(self):
        raise RuntimeError("disk full at /var/lib/postgresql")

    monkeypatch.setattr(WriteBatch, "run", fail)

    response = post(client, agent.public_id, {"message": "Hi"}, token)

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert "disk full" not in response.content.decode()
    assert QuotaPeriod.objects.get(organization=org).reserved == 0
    assert "Storing the chat turn of agent" in caplog.text


def test_chat_other_channel_conversation_404(client, hosted, org, fake_openai):
    agent, token = hosted
    other = Conversation.objects.create(organization=org, agent=agent, channel=None)

    response = post(client, agent.public_id, {"message": "Hi", "conversation_id": str(other.public_id)}, token)

    assert response.status_code == 404


def test_chat_quota_exhausted_402(client, hosted, org, fake_openai):
    agent, token = hosted
    org.plan.monthly_hosted_tokens = 10
    org.plan.save()

    response = post(client, agent.public_id, {"message": "Hi"}, token)

    assert response.status_code == 402
    assert response.json()["error"]["code"] == "quota_exhausted"
    assert fake_openai.requests == []


def test_chat_rate_limited_429(client, hosted, fake_openai):
    agent, token = hosted
    fake_openai.fail(429, retry_after=3)

    response = post(client, agent.public_id, {"message": "Hi"}, token)

    assert response.status_code == 429
    assert response["Retry-After"] == "3"


def test_chat_provider_error_502(client, hosted, fake_openai):
    agent, token = hosted
    fake_openai.fail(500)

    response = post(client, agent.public_id, {"message": "Hi"}, token)

    assert response.status_code == 502
    assert response.json()["error"]["code"] == "provider_unavailable"
    assert Conversation.objects.count() == 0
    assert UsageEvent.objects.get().status == "failed"


@pytest.mark.parametrize("case", ["expired", "revoked", "missing"])
def test_chat_byok_key_problem_409(client, org, fake_openai, case):
    if case != "missing":
        api_key, _secret = make_org_key(org, base_url=fake_openai.base_url)
        if case == "expired":
            api_key.expires_at = timezone.now() - timedelta(hours=1)
            api_key.save()
        else:
            revoke_key(api_key)
    agent = make_agent(org, strategy="byok")
    _channel, _token, token = make_token(agent)

    response = post(client, agent.public_id, {"message": "Hi"}, token)

    assert response.status_code == 409
    assert "LLM API Keys" in response.json()["error"]["message"]
    assert fake_openai.requests == []


def test_chat_rejected_key_409_and_secret_hidden(client, org, fake_openai):
    _api_key, secret = make_org_key(org, base_url=fake_openai.base_url)
    agent = make_agent(org, strategy="byok")
    _channel, _token, token = make_token(agent)
    fake_openai.fail_invalid_key()

    response = post(client, agent.public_id, {"message": "Hi"}, token)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "key_rejected"
    assert secret not in response.content.decode()


def test_chat_turn_query_count(client, hosted, django_assert_num_queries):
    agent, token = hosted
    first = post(client, agent.public_id, {"message": "One"}, token).json()
    # The token read, the quota reservation, then the turn's writes (config/write_batch.py):
    # settle the quota, insert the conversation, two messages, the trace and the usage event,
    # add to two rollups. PostgreSQL takes the writes as one statement, SQLite one by one in
    # a transaction. The catalog price is cached after the first turn.
    writes = 1 if connection.vendor == "postgresql" else 8

    with django_assert_num_queries(2 + writes):
        started = post(client, agent.public_id, {"message": "Two"}, token)
    # A continued conversation adds the conversation and history reads, and updates the
    # conversation instead of inserting it.
    with django_assert_num_queries(4 + writes):
        continued = post(client, agent.public_id, {"message": "Three", "conversation_id": first["conversation_id"]}, token)

    assert started.status_code == 200
    assert continued.status_code == 200
    assert UsageEvent.objects.count() == 3
    assert Conversation.objects.get(public_id=first["conversation_id"]).messages.count() == 4


def test_chat_searches_agent_knowledge(client, hosted, org, fake_openai, settings, tmp_path):
    agent, token = hosted
    settings.MEDIA_ROOT = tmp_path / "media"
    base = KnowledgeBase.objects.create(organization=org, name="Handbook")
    text = "# Refunds\n\nCustomers may return unused hardware within 30 days for a full refund.\n"
    document = Document(organization=org, knowledge_base=base, title="Policies", original_filename="policies.md")
    document.file.save("policies.md", ContentFile(text.encode()), save=False)
    document.size = len(text)
    document.save()
    process_document(document.pk)
    agent.knowledge_bases.add(base)

    response = post(client, agent.public_id, {"message": "How many days for a refund?"}, token)

    assert response.status_code == 200
    assert response.json()["citations"]
    system_prompt = fake_openai.requests[-1].json["messages"][0]["content"]
    assert "30 days" in system_prompt


def test_openapi_describes_chat(client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    document = response.json()
    operation = document["paths"]["/api/v1/agents/{agent_id}/chat"]["post"]
    assert {"200", "400", "401", "402", "403", "404", "409", "422", "429", "502"} <= set(operation["responses"])
    assert operation["requestBody"]["content"]["application/json"]["schema"]["required"] == ["message"]
    schemes = document["components"]["securitySchemes"]
    assert any(scheme.get("scheme") == "bearer" for scheme in schemes.values())
    assert operation["security"]
    assert Agent.objects.count() == 0


def test_chat_extractive_answer_plain_text(client, extractive_agent):
    _channel, _token, plaintext = make_token(extractive_agent)

    body = post(client, extractive_agent.public_id, {"message": QUESTION}, plaintext).json()

    paragraphs = body["answer"].split("\n\n")
    assert paragraphs[0].startswith("I am not a language model")
    assert all(paragraph.startswith("“") for paragraph in paragraphs[1:])
    assert not any(line.startswith(">") for line in body["answer"].splitlines())
    # JSON carries the passage text as it is; HTML pages escape it when they render it.
    assert SCRIPT_MARKUP in body["answer"]
    assert body["usage"] == {"input_tokens": 0, "output_tokens": 0, "billing_source": "hosted"}


def test_chat_extractive_citations_match_numbers(client, extractive_agent):
    _channel, _token, plaintext = make_token(extractive_agent)

    body = post(client, extractive_agent.public_id, {"message": QUESTION}, plaintext).json()

    numbers = re.findall(r"” \[([0-9]+)\]$", body["answer"], re.MULTILINE)
    assert numbers == ["1", "2", "2"]
    assert [citation["label"] for citation in body["citations"]] == [PERMITS_LABEL, STORAGE_LABEL]
    sources = [(citation["label"], citation["url"]) for citation in body["citations"]]
    assert len(set(sources)) == len(sources)
