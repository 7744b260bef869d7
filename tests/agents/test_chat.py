"""The chat pipeline through the real SDKs against the fake providers."""

import asyncio
import logging
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.utils import timezone

from agents.chat import ChatError, CredentialRefused, InvalidMessage, QuotaExceeded, prepare_turn
from agents.models import Agent, Conversation, Message, Trace
from keys.models import ApiKey, KeyStatus
from keys.services import revoke_key
from orgs.models import AuditEvent
from tests.agents.conftest import HOSTED_SECRETS, host_provider, make_agent, make_org_key
from usage.models import QuotaPeriod, UsageEvent
from usage.quotas import QuotaKind, remaining

pytestmark = pytest.mark.django_db


def loaded(agent):
    return Agent.objects.select_related("organization__plan").get(pk=agent.pk)


def run_complete(agent, text="How do refunds work?", conversation=None):
    async def run():
        turn = await prepare_turn(agent, None, text, conversation=conversation)
        return await turn.complete()

    return async_to_sync(run)()


def run_stream(agent, text="How do refunds work?", conversation=None):
    async def run():
        turn = await prepare_turn(agent, None, text, conversation=conversation)
        chunks = [chunk async for chunk in turn.stream()]
        return turn.result, chunks

    return async_to_sync(run)()


def quota_used(org):
    period = QuotaPeriod.objects.get(organization=org, kind=QuotaKind.HOSTED_TOKENS)
    return period.used, period.reserved


@pytest.mark.parametrize("provider", ["openai", "anthropic", "gemini"])
def test_hosted_agent_answers_each_provider(org, settings, fake_providers, provider):
    fake = fake_providers[provider]
    host_provider(settings, provider, fake)
    agent = loaded(make_agent(org, provider=provider))

    result = run_complete(agent)

    assert result.status == "ok"
    assert result.answer == fake.answer_text
    assert result.input_tokens == fake.input_tokens
    assert result.output_tokens == fake.output_tokens
    assert result.billing_source == "hosted"
    assert len(fake.requests) == 1
    trace = Trace.objects.get()
    assert trace.provider_request_id
    assert trace.request["model"] == agent.model_id
    assert trace.request["messages"][-1] == {"role": "user", "content": "How do refunds work?"}
    assert HOSTED_SECRETS[provider] not in str(trace.request)
    assert list(Message.objects.values_list("role", flat=True)) == ["user", "assistant"]
    assert quota_used(org) == (fake.input_tokens + fake.output_tokens, 0)
    event = UsageEvent.objects.get()
    assert (event.status, event.input_tokens, event.output_tokens) == ("ok", fake.input_tokens, fake.output_tokens)


@pytest.mark.parametrize("provider", ["openai", "anthropic", "gemini"])
def test_streamed_and_plain_counts_equal(org, settings, fake_providers, provider):
    fake = fake_providers[provider]
    host_provider(settings, provider, fake)
    agent = loaded(make_agent(org, provider=provider))

    plain = run_complete(agent)
    streamed, chunks = run_stream(agent)

    assert len(chunks) > 1
    assert "".join(chunks) == plain.answer
    assert streamed.status == "ok"
    assert streamed.input_tokens == plain.input_tokens > 0
    assert streamed.output_tokens == plain.output_tokens > 0
    assert Trace.objects.filter(streamed=True).count() == 1


def test_conversation_keeps_history(org, settings, fake_openai):
    host_provider(settings, "openai", fake_openai)
    agent = loaded(make_agent(org))

    first = run_complete(agent, "First question")
    run_complete(agent, "Second question", conversation=first.conversation)

    sent = fake_openai.requests[-1].json["messages"]
    contents = [message["content"] for message in sent if message["role"] != "system"]
    assert contents == ["First question", fake_openai.answer_text, "Second question"]
    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 4


def test_byok_agent_uses_org_key(org, settings, fake_openai):
    api_key, secret = make_org_key(org, base_url=fake_openai.base_url)
    agent = loaded(make_agent(org, strategy="byok"))

    result = run_complete(agent)

    assert result.billing_source == "byok"
    assert fake_openai.requests[0].headers["authorization"] == f"Bearer {secret}"
    trace = Trace.objects.get()
    assert trace.credential_key_id == api_key.public_id
    assert trace.credential_fingerprint == api_key.fingerprint
    assert secret not in str(trace.request) + trace.response_text + trace.error_message
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None
    assert not QuotaPeriod.objects.filter(organization=org, used__gt=0).exists()


def test_expired_key_fails_before_any_request(org, settings, fake_openai):
    make_org_key(org, base_url=fake_openai.base_url, expires_at=timezone.now() - timedelta(days=1))
    agent = loaded(make_agent(org, strategy="byok"))

    with pytest.raises(CredentialRefused) as raised:
        run_complete(agent)

    assert fake_openai.requests == []
    assert raised.value.code == "key_expired"
    assert raised.value.http_status == 409
    assert "LLM API Keys" in raised.value.message
    assert Trace.objects.count() == 0
    assert Conversation.objects.count() == 0


def test_revoked_key_fails_before_any_request(org, settings, fake_openai):
    api_key, _secret = make_org_key(org, base_url=fake_openai.base_url)
    revoke_key(api_key)
    agent = loaded(make_agent(org, strategy="byok"))

    with pytest.raises(CredentialRefused) as raised:
        run_complete(agent)

    assert fake_openai.requests == []
    assert raised.value.code in {"key_revoked", "no_key"}
    assert "LLM API Keys" in raised.value.message


def test_byok_never_falls_back_to_hosted(org, settings, fake_openai):
    host_provider(settings, "openai", fake_openai)
    agent = loaded(make_agent(org, strategy="byok"))

    with pytest.raises(CredentialRefused) as raised:
        run_complete(agent)

    assert raised.value.code == "no_key"
    assert fake_openai.requests == []


def test_provider_401_marks_key_rejected(org, settings, fake_openai, caplog):
    api_key, secret = make_org_key(org, base_url=fake_openai.base_url)
    agent = loaded(make_agent(org, strategy="byok"))
    fake_openai.fail_invalid_key()

    with caplog.at_level(logging.DEBUG):
        result = run_complete(agent)

    assert result.status == "failed"
    assert result.error.code == "key_rejected"
    assert result.error.http_status == 409
    api_key.refresh_from_db()
    assert api_key.status == KeyStatus.REJECTED
    assert AuditEvent.objects.filter(action="key.rejected", target_id=str(api_key.public_id)).exists()
    trace = Trace.objects.get()
    assert trace.error_code == "authentication_failed"
    assert secret not in trace.error_message
    assert secret not in caplog.text
    assert Conversation.objects.count() == 0
    assert UsageEvent.objects.get().status == "failed"

    with pytest.raises(CredentialRefused) as raised:
        run_complete(agent)
    assert raised.value.code == "key_rejected"
    assert len(fake_openai.requests) == 1


def test_hosted_401_leaves_no_org_key_marked(org, settings, fake_openai):
    host_provider(settings, "openai", fake_openai)
    agent = loaded(make_agent(org))
    fake_openai.fail(401)

    result = run_complete(agent)

    assert result.status == "failed"
    assert result.error.code == "provider_authentication_failed"
    assert result.error.http_status == 502
    assert HOSTED_SECRETS["openai"] not in Trace.objects.get().error_message
    assert quota_used(org) == (0, 0)


def test_mid_stream_failure_is_partial(org, settings, fake_openai):
    host_provider(settings, "openai", fake_openai)
    agent = loaded(make_agent(org))
    fake_openai.break_stream(after_deltas=3)

    result, chunks = run_stream(agent)

    assert result.status == "partial"
    assert result.answer == "".join(chunks)
    assert len(chunks) == 3
    assert result.error is not None
    assert Message.objects.get(role="assistant").status == "partial"
    assert UsageEvent.objects.count() == 1
    used, reserved = quota_used(org)
    assert reserved == 0
    assert used == result.input_tokens + result.output_tokens > 0


def test_partial_turn_left_out_of_history(org, settings, fake_openai):
    host_provider(settings, "openai", fake_openai)
    agent = loaded(make_agent(org))
    first = run_complete(agent, "Kept question")
    fake_openai.break_stream(after_deltas=1)
    run_stream(agent, "Broken question", conversation=first.conversation)

    run_complete(agent, "Broken question", conversation=first.conversation)

    contents = [m["content"] for m in fake_openai.requests[-1].json["messages"] if m["role"] == "user"]
    assert contents == ["Kept question", "Broken question"]


def test_quota_exhausted_fails_before_request(org, settings, fake_openai):
    host_provider(settings, "openai", fake_openai)
    org.plan.monthly_hosted_tokens = 50
    org.plan.save()
    agent = loaded(make_agent(org, max_output_tokens=200))

    with pytest.raises(QuotaExceeded) as raised:
        run_complete(agent)

    assert raised.value.http_status == 402
    assert fake_openai.requests == []
    assert remaining(org, QuotaKind.HOSTED_TOKENS) == 50


def test_hosted_not_configured_is_refused(org, fake_openai):
    agent = loaded(make_agent(org))

    with pytest.raises(CredentialRefused) as raised:
        run_complete(agent)

    assert raised.value.code == "hosted_not_configured"


@pytest.mark.parametrize("text", ["", "   ", "x" * 8001])
def test_invalid_message_rejected(org, settings, fake_openai, text):
    host_provider(settings, "openai", fake_openai)
    agent = loaded(make_agent(org))

    with pytest.raises(InvalidMessage):
        run_complete(agent, text)

    assert fake_openai.requests == []
    assert UsageEvent.objects.count() == 0


def test_rate_limit_maps_to_429(org, settings, fake_openai):
    host_provider(settings, "openai", fake_openai)
    agent = loaded(make_agent(org))
    fake_openai.fail(429, retry_after=7)

    result = run_complete(agent)

    assert isinstance(result.error, ChatError)
    assert result.error.http_status == 429
    assert result.error.retry_after == 7
    assert quota_used(org) == (0, 0)


def test_hosted_trace_has_no_key_id(org, settings, fake_openai):
    host_provider(settings, "openai", fake_openai)
    agent = loaded(make_agent(org))

    run_complete(agent)

    trace = Trace.objects.get()
    assert trace.credential_key_id is None
    assert not ApiKey.objects.exists()


def test_cancelled_complete_releases_reservation(org, settings, fake_openai):
    """A view cancelled during the provider call (a client gone, under Django's handler)."""
    host_provider(settings, "openai", fake_openai)
    agent = loaded(make_agent(org))
    fake_openai.slow(0.5)

    async def run():
        turn = await prepare_turn(agent, None, "How do refunds work?")
        call = asyncio.ensure_future(turn.complete())
        await asyncio.sleep(0.1)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        return turn.result

    result = async_to_sync(run)()

    assert result.status == "failed"
    assert result.error.code == "client_disconnected"
    assert Trace.objects.get().error_code == "client_disconnected"
    assert UsageEvent.objects.get().status == "failed"
    assert quota_used(org) == (0, 0)


def test_client_disconnect_settles_once(org, settings, fake_openai):
    host_provider(settings, "openai", fake_openai)
    agent = loaded(make_agent(org))

    async def run():
        turn = await prepare_turn(agent, None, "How do refunds work?")
        stream = turn.stream()
        first = await stream.__anext__()
        await stream.aclose()
        return turn.result, first

    result, first = async_to_sync(run)()

    assert result.status == "partial"
    assert result.answer == first
    assert result.error.code == "client_disconnected"
    assert UsageEvent.objects.count() == 1
    used, reserved = quota_used(org)
    assert reserved == 0
    assert used > 0
