"""Extractive answers through the web widget's chat endpoint: streamed text and citations."""

import json
import re

import pytest
from asgiref.sync import async_to_sync
from django.core.cache import cache
from django.test import Client

from agents.models import Channel, Message
from agents.models.agents import ChannelKind
from tests.agents.extractive_fixtures import (  # noqa: F401 (fixtures)
    CHINESE_LABEL,
    CHINESE_QUESTION,
    PERMITS_LABEL,
    QUESTION,
    SCRIPT_MARKUP,
    STORAGE_LABEL,
    extractive_agent,
    hostile_knowledge,
)

pytestmark = pytest.mark.django_db

ORIGIN = "https://shop.example"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def widget(extractive_agent):
    return Channel.objects.create(
        organization=extractive_agent.organization,
        agent=extractive_agent,
        kind=ChannelKind.WEB_WIDGET,
        name="Website widget",
        settings={"allowed_origins": [ORIGIN]},
    )


def ask(widget, message, lang="en"):
    """Post message to the widget and return its NDJSON events."""
    response = Client().post(
        f"/widget/{widget.public_id}/chat?lang={lang}",
        data=json.dumps({"message": message, "visitor_id": "visitor-1"}),
        content_type="application/json",
        HTTP_ORIGIN=ORIGIN,
    )
    assert response.status_code == 200

    async def read():
        return b"".join([chunk async for chunk in response.streaming_content])

    body = async_to_sync(read)().decode()
    return [json.loads(line) for line in body.splitlines() if line.strip()]


def test_widget_streams_quote_paragraphs(widget):
    events = ask(widget, QUESTION)

    text = "".join(event["text"] for event in events if event["type"] == "delta")
    paragraphs = text.split("\n\n")
    assert text == Message.objects.get(role="assistant").content
    assert paragraphs[0].startswith("I am not a language model")
    assert re.findall(r"” \[([0-9]+)\]$", text, re.MULTILINE) == ["1", "2", "2"]
    assert not any(line.startswith(">") for line in text.splitlines())
    assert SCRIPT_MARKUP in text


def test_widget_citations_one_per_source(widget):
    done = ask(widget, QUESTION)[-1]

    assert done["type"] == "done"
    assert [citation["label"] for citation in done["citations"]] == [PERMITS_LABEL, STORAGE_LABEL]


def test_widget_chinese_answer(widget):
    events = ask(widget, CHINESE_QUESTION, lang="zh-Hans")

    text = "".join(event["text"] for event in events if event["type"] == "delta")
    assert text.startswith("我不是语言模型")
    assert text.endswith("“停车证由设施部门在入职第一天发放。” [1]")
    assert [citation["label"] for citation in events[-1]["citations"]] == [CHINESE_LABEL]
