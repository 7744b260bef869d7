"""seed_demo's agents part: the Acme Helpdesk agent, its channels and one printed token."""

import io
import re

import pytest

from agents import demo
from agents.models import Agent, Channel, ChannelToken
from agents.models.agents import split_token
from knowledge.models import KnowledgeBase

pytestmark = pytest.mark.django_db


def test_seed_creates_agent_and_prints_token(org, members):
    handbook = KnowledgeBase.objects.create(organization=org, name="Acme Handbook")
    out = io.StringIO()

    demo.seed(org, members, out)

    agent = Agent.objects.get(name="Acme Helpdesk")
    assert (agent.provider, agent.model_id, agent.strategy, agent.department) == (
        "extractive",
        "extractive-v1",
        "hosted",
        "Support",
    )
    assert list(agent.knowledge_bases.all()) == [handbook]
    assert {"api", "playground"} <= set(Channel.objects.filter(agent=agent).values_list("kind", flat=True))
    printed = re.search(r"fa_[0-9a-f]{8}_\S+", out.getvalue()).group(0)
    _prefix, secret = split_token(printed)
    assert ChannelToken.objects.get().matches(secret)


def test_seed_is_idempotent(org, members):
    demo.seed(org, members, io.StringIO())
    channels = Channel.objects.count()
    out = io.StringIO()

    demo.seed(org, members, out)

    # Acme Helpdesk and the three sample agents of the usage history.
    assert Agent.objects.count() == 4
    assert Channel.objects.count() == channels
    assert ChannelToken.objects.count() == 1
    assert "exists" in out.getvalue()
    assert not re.search(r"fa_[0-9a-f]{8}_[^…\s]+", out.getvalue())
