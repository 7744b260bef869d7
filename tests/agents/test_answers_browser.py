"""Extractive answers in the browser: block quotes in the playground and the widget, and no
markup from a passage ever runs, while streaming or after.

They use the Playwright fixtures of tests/browser (Debian's Chromium, no download).
"""

import json
import re

import pytest

from agents.models import Channel
from agents.models.agents import ChannelKind
from tests.agents.extractive_fixtures import (  # noqa: F401 (fixtures)
    IMAGE_MARKUP,
    PERMITS_LABEL,
    QUESTION,
    SCRIPT_MARKUP,
    STORAGE_LABEL,
    extractive_agent,
    hostile_knowledge,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def dialogs(page):
    """Record every alert() that runs on the page: hostile markup in a passage calls alert."""
    opened = []
    page.on("dialog", lambda dialog: (opened.append(dialog.message), dialog.dismiss()))
    return opened


def injected_elements(page):
    """Count elements that only the passage markup would create, on the page and in the widget."""
    return page.evaluate(
        """() => {
            const hosts = [...document.querySelectorAll("[data-flexy-widget]")];
            const roots = [document, ...hosts.map((host) => host.shadowRoot)];
            return roots.flatMap((root) => [...root.querySelectorAll("img[src='x'], script")])
                .filter((node) => node.tagName === "IMG" || node.textContent.includes("xss-")).length;
        }"""
    )


def test_playground_shows_quotes_as_text(live_server, page, login, members, extractive_agent, dialogs):
    login(page, live_server, members["builder"].email)
    page.goto(f"{live_server.url}/agents/{extractive_agent.public_id}/playground/")

    page.fill("#chat-input", QUESTION)
    page.click("#chat-form button[type=submit]")
    page.locator(".chat-assistant .chat-meta").wait_for()

    answer = page.locator(".chat-assistant").last
    quotes = answer.locator("blockquote.answer-quote")
    assert quotes.count() == 3
    assert [quotes.nth(index).locator(".answer-ref").inner_text() for index in range(3)] == ["[1]", "[2]", "[2]"]
    assert answer.locator(".citations li").all_inner_texts() == [PERMITS_LABEL, STORAGE_LABEL]
    assert SCRIPT_MARKUP in answer.inner_text()
    assert IMAGE_MARKUP in answer.inner_text()
    assert not re.search(r"^>", answer.locator(".chat-answer").inner_text(), re.MULTILINE)
    assert injected_elements(page) == 0
    assert dialogs == []


def test_playground_stream_renders_open_quote(live_server, page, login, members, extractive_agent, dialogs):
    # A stream that stops inside the second quote and sends no "done" event: the page keeps
    # showing what it built from the deltas.
    text = f"I am not a language model.\n\n“Racks {SCRIPT_MARKUP} are downstairs.” [1]\n\n“Owners {IMAGE_MARKUP} must label"
    body = "".join(json.dumps({"type": "delta", "text": piece}) + "\n" for piece in re.findall(r"\s*\S+", text))
    login(page, live_server, members["builder"].email)
    page.goto(f"{live_server.url}/agents/{extractive_agent.public_id}/playground/")
    page.route("**/playground/send/", lambda route: route.fulfill(status=200, content_type="application/x-ndjson", body=body))

    page.fill("#chat-input", "Where are the racks?")
    page.click("#chat-form button[type=submit]")
    page.locator("#chat-form button[type=submit]:not([disabled])").wait_for()

    answer = page.locator(".chat-streaming .chat-answer")
    assert answer.locator("p").first.inner_text() == "I am not a language model."
    assert answer.locator("blockquote").all_inner_texts() == [f"Racks {SCRIPT_MARKUP} are downstairs. [1]", f"Owners {IMAGE_MARKUP} must label"]
    assert injected_elements(page) == 0
    assert dialogs == []


def test_widget_shows_quotes_as_text(live_server, page, login, members, extractive_agent, dialogs):
    widget = Channel.objects.create(
        organization=extractive_agent.organization,
        agent=extractive_agent,
        kind=ChannelKind.WEB_WIDGET,
        name="Website widget",
        settings={"allowed_origins": [live_server.url]},
    )
    login(page, live_server, members["builder"].email)
    page.goto(f"{live_server.url}/widget/demo/?widget={widget.public_id}&lang=en")

    page.locator("[data-flexy-widget] >> .bubble").click()
    page.locator("[data-flexy-widget] >> textarea").fill(QUESTION)
    page.locator("[data-flexy-widget] >> .send").click()
    answer = page.locator("[data-flexy-widget] >> .msg-bot").nth(1)
    answer.locator(".sources").wait_for()

    quotes = answer.locator("blockquote.quote")
    assert quotes.count() == 3
    assert [quotes.nth(index).locator(".ref").inner_text() for index in range(3)] == ["[1]", "[2]", "[2]"]
    assert answer.locator(".sources li").all_inner_texts() == [PERMITS_LABEL, STORAGE_LABEL]
    assert SCRIPT_MARKUP in answer.inner_text()
    assert not re.search(r"^>", answer.locator(".answer").inner_text(), re.MULTILINE)
    assert injected_elements(page) == 0
    assert dialogs == []
