"""Browser checks: the widget on the demo page, and clone, swap and rollback by clicking.

They use the Playwright fixtures of tests/browser (Debian's Chromium, no download).
"""

import pytest

from agents.models import Agent, Channel

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def eager_tasks():
    """Run Celery tasks inside the request that queues them, as no worker runs in tests."""
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_widget_answers_on_demo_page(live_server, page, login, members, widget_channel):  # noqa: F811
    widget_channel.settings = {**widget_channel.settings, "allowed_origins": [live_server.url]}
    widget_channel.save()
    login(page, live_server, members["builder"].email)

    page.goto(f"{live_server.url}/widget/demo/?widget={widget_channel.public_id}")
    page.locator("[data-flexy-widget] >> .bubble").click()
    page.locator("[data-flexy-widget] >> textarea").fill("When do parcels leave the warehouse?")
    page.locator("[data-flexy-widget] >> .send").click()

    answer = page.locator("[data-flexy-widget] >> .msg-bot").nth(1)
    answer.locator(".sources").wait_for()
    assert "Rotterdam" in answer.inner_text()
    assert "handbook.md" in answer.locator(".sources").inner_text()
    assert page.locator("[data-flexy-widget] >> .title").inner_text() == "Ask Acme Test"


def test_clone_swap_and_rollback_by_clicking(live_server, page, login, members, agent, api_channel, questions, eager_tasks):  # noqa: F811
    login(page, live_server, members["builder"].email)
    page.goto(f"{live_server.url}/agents/{agent.public_id}/versions/")

    page.locator("form[action$='/clone/'] button").click()
    page.wait_for_url("**/versions/")
    clone = Agent.objects.exclude(pk=agent.pk).get()
    for member in (agent, clone):
        page.goto(f"{live_server.url}/agents/{member.public_id}/versions/")
        page.locator(f"form[action='/agents/{member.public_id}/runs/'] button").click()
        page.wait_for_url("**/runs/*/")
        page.locator(".badge-ok", has_text="Finished").wait_for(timeout=30_000)
    page.goto(f"{live_server.url}/agents/{clone.public_id}/swap/")
    page.check(f"input[name=channels][value='{api_channel.public_id}']")
    page.click("text=Swap now")
    page.wait_for_url("**/versions/")

    assert Channel.objects.get(pk=api_channel.pk).agent_id == clone.pk
    page.click("text=Roll back")
    page.wait_for_url("**/versions/")
    assert Channel.objects.get(pk=api_channel.pk).agent_id == agent.pk
