"""Citation numbers: the prompt, the answer and the citation list agree on one number per source."""

import re

import pytest

from agents.chat import citation_list, system_prompt_with_passages
from providers.base import Passage
from tests.agents.conftest import make_agent, make_token
from tests.agents.extractive_fixtures import extractive_agent, hostile_knowledge  # noqa: F401 (fixtures)
from tests.agents.test_api import post

pytestmark = pytest.mark.django_db


def test_prompt_numbers_one_per_source(org):
    agent = make_agent(org, system_prompt="Be brief.")
    passages = [
        Passage(text="Racks are in the basement.", label="facilities.md › Storage", url="/doc/1"),
        Passage(text="Permits come on day one.", label="facilities.md › Permits", url="/doc/1#permits"),
        Passage(text="Label each bicycle.", label="facilities.md › Storage", url="/doc/1"),
        Passage(text="Unlabelled context.", label="", url=""),
    ]

    prompt = system_prompt_with_passages(agent, passages)

    assert "[1] facilities.md › Storage\nRacks are in the basement." in prompt
    assert "[2] facilities.md › Permits\nPermits come on day one." in prompt
    assert "[1] facilities.md › Storage\nLabel each bicycle." in prompt
    assert "[3]" not in prompt
    assert "\n\nUnlabelled context." in prompt
    # The answer's citation list gives the same numbers: entry n is source n.
    assert [c["label"] for c in citation_list(None, passages)] == ["facilities.md › Storage", "facilities.md › Permits"]


def test_extractive_answer_without_match_cites_nothing(client, extractive_agent):
    _channel, _token, plaintext = make_token(extractive_agent)

    # Search stems "labelled" to "label" and retrieves the storage passages, but the offline
    # model quotes only sentences with the question's own words, and none has "labelled".
    body = post(client, extractive_agent.public_id, {"message": "labelled?"}, plaintext).json()

    assert "no passage of the knowledge base matches" in body["answer"]
    assert not re.search(r"\[\d+\]", body["answer"])
    assert body["citations"] == []
