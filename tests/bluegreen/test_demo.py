"""The blue/green part of seed_demo: golden questions and a widget, added once."""

import io

import pytest

from agents import demo_bluegreen
from agents.models import Channel, GoldenQuestion

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent(org, agent):
    agent.name = demo_bluegreen.DEMO_AGENT_NAME
    agent.save()

    demo_bluegreen.seed(org, {}, io.StringIO())
    demo_bluegreen.seed(org, {}, io.StringIO())

    assert GoldenQuestion.objects.filter(family_id=agent.family_id).count() == len(demo_bluegreen.DEMO_QUESTIONS)
    widget = Channel.objects.get(kind="web_widget")
    assert widget.agent == agent
    assert widget.settings["allowed_origins"] == ["http://127.0.0.1:8000", "http://localhost:8000"]


def test_demo_seed_without_agent_does_nothing(org):
    output = io.StringIO()

    demo_bluegreen.seed(org, {}, output)

    assert "skipped" in output.getvalue()
    assert not GoldenQuestion.objects.exists()
