"""Playwright fixtures for browser tests against Debian's Chromium, loaded by tests/conftest.py.

Playwright's sync API keeps an event loop running in the test thread, so Django's
async-safety check would reject every database call that fixtures make in that thread, even
though they are ordinary blocking calls. The check is therefore switched off while a browser
is open. The browser is module-scoped: a session-wide one would leave that loop running under
every later test, where asyncio.run() then fails.
"""

import os
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, skip_or_fail

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def browser():
    """Return a headless Chromium shared by the tests of one module."""
    if not CHROMIUM.exists():
        skip_or_fail(f"{CHROMIUM} is missing: install Debian's chromium package to run browser tests")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser):
    """Return a fresh page in its own browser context (own cookies), closed after the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(15_000)
    new_page = context.new_page()
    yield new_page
    context.close()


@pytest.fixture
def login():
    """Return a function that signs `email` in through the login form (password PASSWORD)."""

    def sign_in(page, live_server, email, password=PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", email)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    return sign_in
