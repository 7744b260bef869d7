"""Pytest fixtures that start each fake provider on 127.0.0.1 for one test and stop it after.

Use them from another test package with `pytest_plugins = ["tests.fakes.fixtures"]` in that
package's conftest.py, or import the fixtures by name.
"""

import pytest

from .openai_server import FakeOpenAI


@pytest.fixture
def fake_openai():
    with FakeOpenAI() as server:
        yield server
