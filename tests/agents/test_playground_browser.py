"""The playground in the browser: the character counter and the over-long message error,
and a send button whose label stays on one line in Chinese.

They use the Playwright fixtures of tests/browser (Debian's Chromium, no download).
"""

import pytest

from agents.models import Conversation
from tests.agents.extractive_fixtures import extractive_agent, hostile_knowledge  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_playground(page, live_server, login, members, agent, language="en"):
    login(page, live_server, members["builder"].email)
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(f"{live_server.url}/agents/{agent.public_id}/playground/")


def test_counter_appears_near_limit(live_server, page, login, members, extractive_agent, settings):
    settings.AGENT_MAX_MESSAGE_CHARS = 50
    open_playground(page, live_server, login, members, extractive_agent)
    counter = page.locator("#chat-count")

    page.fill("#chat-input", "x" * 10)
    assert counter.is_hidden()

    page.fill("#chat-input", "x" * 45)
    assert counter.inner_text() == "45 / 50 characters"

    page.fill("#chat-input", "x" * 60)
    assert counter.inner_text() == "60 / 50 characters: 10 over the limit."
    assert page.get_attribute("#chat-input", "aria-invalid") == "true"


@pytest.mark.parametrize(
    "language, expected",
    [
        ("en", "The message has 60 characters; the maximum is 50. Shorten it before sending."),
        ("zh-hans", "消息有 60 个字符，上限为 50。请缩短后再发送。"),
    ],
)
def test_too_long_message_not_sent(live_server, page, login, members, extractive_agent, settings, language, expected):
    settings.AGENT_MAX_MESSAGE_CHARS = 50
    open_playground(page, live_server, login, members, extractive_agent, language)

    page.fill("#chat-input", "x" * 60)
    page.click("#chat-form button[type=submit]")

    assert page.locator("#chat-count[role=alert]").inner_text() == expected
    assert page.input_value("#chat-input") == "x" * 60
    assert page.locator(".chat-user").count() == 0
    assert Conversation.objects.count() == 0


def test_counter_counts_line_breaks_as_server(live_server, page, login, members, extractive_agent, settings):
    # The form sends each line break as CRLF, and the server counts both characters.
    settings.AGENT_MAX_MESSAGE_CHARS = 50
    open_playground(page, live_server, login, members, extractive_agent)

    page.fill("#chat-input", "a\n" * 24 + "a")

    assert page.locator("#chat-count").inner_text() == "73 / 50 characters: 23 over the limit."


@pytest.mark.parametrize("width", [1280, 390])
def test_send_label_on_one_line(live_server, page, login, members, extractive_agent, width):
    # "发送" wrapped at both widths while the textarea could take the button's width.
    page.set_viewport_size({"width": width, "height": 900})
    open_playground(page, live_server, login, members, extractive_agent, "zh-hans")

    lines = page.evaluate(
        """() => {
            const range = document.createRange();
            range.selectNodeContents(document.querySelector("#chat-form button[type=submit]"));
            return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
        }"""
    )

    assert lines == 1
