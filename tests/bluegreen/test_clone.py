"""Cloning an agent: the copied fields and the clone view."""

import pytest

from agents.bluegreen.clone import CLONED_FIELDS, clone_agent
from agents.models import Agent, Channel
from orgs.models import AuditEvent

from .conftest import make_agent

pytestmark = pytest.mark.django_db


def test_clone_copies_settings_knowledge_and_family(agent, handbook, api_channel):
    agent.temperature = 0.7
    agent.max_output_tokens = 321
    agent.description = "Answers customers."
    agent.save()

    clone = clone_agent(agent)

    assert clone.pk != agent.pk
    assert clone.public_id != agent.public_id
    for field in CLONED_FIELDS:
        assert getattr(clone, field) == getattr(agent, field), field
    assert clone.family_id == agent.family_id
    assert clone.system_prompt == "Answer from the handbook."
    assert clone.department == "Support"
    assert list(clone.knowledge_bases.all()) == [handbook]
    assert clone.name == "Helpdesk (candidate)"
    assert not Channel.objects.filter(agent=clone).exists()
    api_channel.refresh_from_db()
    assert api_channel.agent_id == agent.pk


def test_clone_names_are_unique(agent):
    first = clone_agent(agent)
    second = clone_agent(agent)

    assert first.name != second.name
    assert second.name == "Helpdesk (candidate 2)"


def test_clone_keeps_pinned_key_and_strategy(org):
    from tests.agents.conftest import make_org_key

    key, _secret = make_org_key(org, provider="openai")
    source = make_agent(org, name="BYOK", provider="openai", model_id="gpt-4o-mini", strategy="byok", pinned_key=key)

    clone = clone_agent(source)

    assert clone.strategy == "byok"
    assert clone.pinned_key_id == key.public_id


def test_clone_view_creates_and_audits(client_for, agent):
    response = client_for("builder").post(f"/agents/{agent.public_id}/clone/")

    clone = Agent.objects.exclude(pk=agent.pk).get()
    assert response.status_code == 302
    assert response["Location"] == f"/agents/{clone.public_id}/versions/"
    assert clone.family_id == agent.family_id
    assert AuditEvent.objects.filter(action="agent.cloned", target_id=str(clone.public_id)).exists()


def test_clone_view_wrong_method(client_for, agent):
    assert client_for("builder").get(f"/agents/{agent.public_id}/clone/").status_code == 405


def test_clone_view_outsider_404(client_for, agent):
    assert client_for("outsider").post(f"/agents/{agent.public_id}/clone/").status_code == 404
    assert Agent.objects.count() == 1


def test_clone_view_without_permission_403(client_for, agent):
    assert client_for("support").post(f"/agents/{agent.public_id}/clone/").status_code == 403
    assert Agent.objects.count() == 1


def test_clone_view_bad_id_404(client_for, agent):
    assert client_for("builder").post("/agents/00000000-0000-0000-0000-000000000000/clone/").status_code == 404
