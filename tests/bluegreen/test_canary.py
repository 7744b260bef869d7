"""Canary routing: a share of new conversations goes to the candidate, sticky per conversation."""

import json
import random

import pytest
from django.test import Client

from agents.bluegreen.clone import clone_agent
from agents.bluegreen.routing import CanaryRejected, serving_agent, set_canary
from agents.models import Canary, Conversation, Trace
from orgs.models import AuditEvent

from .conftest import make_agent

pytestmark = pytest.mark.django_db


@pytest.fixture
def candidate(agent):
    return clone_agent(agent)


def test_no_canary_serves_channel_agent(api_channel, agent):
    assert serving_agent(api_channel) == agent


def test_canary_share_of_new_conversations(api_channel, agent, candidate):
    set_canary(api_channel, candidate, 30)
    random.seed(7)

    picks = [serving_agent(api_channel).pk for _ in range(400)]

    share = picks.count(candidate.pk) / len(picks)
    assert 0.2 < share < 0.4
    assert set(picks) == {agent.pk, candidate.pk}


def test_canary_is_sticky_per_conversation(api_channel, agent, candidate):
    set_canary(api_channel, candidate, 99)
    on_candidate = Conversation.objects.create(organization=agent.organization, agent=candidate, channel=api_channel)
    on_live = Conversation.objects.create(organization=agent.organization, agent=agent, channel=api_channel)

    assert all(serving_agent(api_channel, on_candidate) == candidate for _ in range(20))
    assert all(serving_agent(api_channel, on_live) == agent for _ in range(20))


def test_canary_rejects_invalid_share(api_channel, candidate):
    for percent in (100, 150, -1):
        with pytest.raises(CanaryRejected):
            set_canary(api_channel, candidate, percent)
    assert not Canary.objects.exists()


def test_canary_rejects_agent_of_other_family(org, api_channel):
    stranger = make_agent(org, name="Sales bot")

    with pytest.raises(CanaryRejected, match="clone"):
        set_canary(api_channel, stranger, 10)


def test_canary_zero_removes_it(api_channel, candidate):
    set_canary(api_channel, candidate, 20)

    set_canary(api_channel, candidate, 0)

    assert not Canary.objects.exists()
    assert AuditEvent.objects.filter(action="channel.canary_removed").count() == 1


def test_api_conversation_stays_on_canary_agent(api_channel, api_token, agent, candidate):
    set_canary(api_channel, candidate, 99)
    client = Client()
    url = f"/api/v1/agents/{agent.public_id}/chat"
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token}"}
    random.seed(1)
    first = client.post(url, data=json.dumps({"message": "Refunds?"}), content_type="application/json", **headers).json()
    conversation = Conversation.objects.get(public_id=first["conversation_id"])
    set_canary(api_channel, candidate, 1)
    random.seed(1)

    for _ in range(3):
        body = {"message": "When do parcels leave?", "conversation_id": first["conversation_id"]}
        response = client.post(url, data=json.dumps(body), content_type="application/json", **headers)
        assert response.status_code == 200

    assert set(Trace.objects.filter(conversation=conversation).values_list("agent_id", flat=True)) == {conversation.agent_id}


def test_canary_view_sets_share(client_for, api_channel, candidate):
    response = client_for("builder").post(
        f"/agents/channels/{api_channel.public_id}/canary/", {"candidate": str(candidate.public_id), "percent": "25"}
    )

    assert response.status_code == 302
    canary = Canary.objects.get()
    assert canary.percent == 25
    assert canary.candidate == candidate


def test_canary_view_rejects_out_of_range(client_for, api_channel, candidate):
    response = client_for("builder").post(
        f"/agents/channels/{api_channel.public_id}/canary/", {"candidate": str(candidate.public_id), "percent": "100"}, follow=True
    )

    assert "The canary was not changed" in response.content.decode()
    assert not Canary.objects.exists()


def test_canary_view_wrong_method(client_for, api_channel):
    assert client_for("builder").get(f"/agents/channels/{api_channel.public_id}/canary/").status_code == 405


def test_canary_view_outsider_404(client_for, api_channel, candidate):
    response = client_for("outsider").post(
        f"/agents/channels/{api_channel.public_id}/canary/", {"candidate": str(candidate.public_id), "percent": "25"}
    )
    assert response.status_code == 404
    assert not Canary.objects.exists()


def test_canary_view_without_permission_403(client_for, api_channel, candidate):
    response = client_for("support").post(
        f"/agents/channels/{api_channel.public_id}/canary/", {"candidate": str(candidate.public_id), "percent": "25"}
    )
    assert response.status_code == 403


def test_canary_view_bad_id_404(client_for, agent):
    assert client_for("builder").post("/agents/channels/00000000-0000-0000-0000-000000000000/canary/").status_code == 404
