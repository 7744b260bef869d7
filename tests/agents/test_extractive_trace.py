"""The trace page of an extractive turn: the answer as returned, escaped, with its sources."""

import re

import pytest
from asgiref.sync import async_to_sync

from agents.chat import prepare_turn
from agents.models import Agent
from tests.agents.extractive_fixtures import (  # noqa: F401 (fixtures)
    PERMITS_LABEL,
    QUESTION,
    SCRIPT_MARKUP,
    STORAGE_LABEL,
    extractive_agent,
    hostile_knowledge,
)

pytestmark = pytest.mark.django_db


def answer(agent, text):
    agent = Agent.objects.select_related("organization__plan").get(pk=agent.pk)

    async def run():
        turn = await prepare_turn(agent, None, text)
        return await turn.complete()

    return async_to_sync(run)()


def test_trace_lists_cited_sources(client_for, extractive_agent):
    result = answer(extractive_agent, QUESTION)

    page = client_for("builder").get(f"/traces/{result.trace.public_id}/").content.decode()

    listing = re.search(r'<ol class="trace-citations">(.*?)</ol>', page, re.S).group(1)
    assert re.findall(r"<li>(.*?)</li>", listing) == [PERMITS_LABEL, STORAGE_LABEL]


def test_trace_answer_escaped_plain_text(client_for, extractive_agent):
    result = answer(extractive_agent, QUESTION)

    page = client_for("builder").get(f"/traces/{result.trace.public_id}/").content.decode()

    answer_text = re.search(r'<pre class="trace-text">(.*?)</pre>', page, re.S).group(1)
    assert SCRIPT_MARKUP not in page
    assert "“Bicycle racks &lt;script&gt;" in answer_text
    assert not re.search(r"^&gt;", answer_text, re.MULTILINE)
