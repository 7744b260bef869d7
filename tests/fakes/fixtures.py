"""Pytest fixtures that start each fake provider on 127.0.0.1 for one test and stop it after.

Import them by name into a test package's conftest.py, for example
`from tests.fakes.fixtures import fake_openai  # noqa: F401`.
"""

import pytest

from .anthropic_server import FakeAnthropic
from .gemini_server import FakeGemini
from .openai_server import FakeOpenAI


@pytest.fixture
def fake_openai():
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def fake_anthropic():
    with FakeAnthropic() as server:
        yield server


@pytest.fixture
def fake_gemini():
    with FakeGemini() as server:
        yield server


@pytest.fixture
def fake_providers(fake_openai, fake_anthropic, fake_gemini):
    """Return all three fakes as {provider id: server}."""
    return {"openai": fake_openai, "anthropic": fake_anthropic, "gemini": fake_gemini}
