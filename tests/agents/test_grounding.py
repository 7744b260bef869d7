"""Retrieval in a chat turn: passages reach the model, and answers carry citations."""

import pytest
from asgiref.sync import async_to_sync
from django.core.files.base import ContentFile

from agents.chat import prepare_turn
from agents.models import Agent, Trace
from knowledge.models import Document, KnowledgeBase
from knowledge.pipeline import process_document
from tests.agents.conftest import host_provider, make_agent

pytestmark = pytest.mark.django_db

REFUND_TEXT = (
    "# Refunds\n\nCustomers may return unused hardware within 30 days for a full refund. "
    "Open a ticket with the order number to start a refund.\n\n"
    "# Office hours\n\nThe support desk is open Monday to Friday, 9:00 to 17:00 CET.\n"
)


@pytest.fixture
def handbook(org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    base = KnowledgeBase.objects.create(organization=org, name="Handbook")
    document = Document(organization=org, knowledge_base=base, title="Policies", original_filename="policies.md")
    document.file.save("policies.md", ContentFile(REFUND_TEXT.encode()), save=False)
    document.size = len(REFUND_TEXT)
    document.save()
    process_document(document.pk)
    return base


def ask(agent, text):
    agent = Agent.objects.select_related("organization__plan").get(pk=agent.pk)

    async def run():
        turn = await prepare_turn(agent, None, text)
        return await turn.complete()

    return async_to_sync(run)()


def test_extractive_answer_cites_knowledge(org, handbook):
    agent = make_agent(org, provider="extractive", model_id="extractive-v1")
    agent.knowledge_bases.add(handbook)

    result = ask(agent, "How many days do I have for a refund?")

    assert result.status == "ok"
    assert "30 days" in result.answer
    assert result.citations
    assert any("Policies" in citation["label"] for citation in result.citations)
    assert (result.input_tokens, result.output_tokens) == (0, 0)
    assert result.billing_source == "hosted"
    passages = Trace.objects.get().request["passages"]
    assert passages and all("score" in passage for passage in passages)


def test_extractive_uses_no_quota(org, handbook):
    agent = make_agent(org, provider="extractive", model_id="extractive-v1")
    agent.knowledge_bases.add(handbook)
    org.plan.monthly_hosted_tokens = 0
    org.plan.save()

    result = ask(agent, "refund")

    assert result.status == "ok"


def test_llm_gets_passages_in_system_prompt(org, handbook, settings, fake_openai):
    host_provider(settings, "openai", fake_openai)
    agent = make_agent(org)
    agent.knowledge_bases.add(handbook)

    result = ask(agent, "When is the support desk open?")

    system = fake_openai.requests[0].json["messages"][0]
    assert system["role"] == "system"
    assert "You answer questions about Acme." in system["content"]
    assert "Monday to Friday" in system["content"]
    assert result.citations


def test_other_org_knowledge_never_searched(org, other_org, handbook):
    agent = make_agent(other_org, provider="extractive", model_id="extractive-v1")
    agent.knowledge_bases.add(handbook)

    result = ask(agent, "How many days do I have for a refund?")

    assert "30 days" not in result.answer
    assert Trace.objects.get().request["passages"] == []
