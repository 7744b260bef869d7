import pytest

from providers import RetryPolicy
from tests.fakes.fixtures import fake_anthropic, fake_gemini, fake_openai, fake_providers  # noqa: F401

SDK_PROVIDERS = ("openai", "anthropic", "gemini")
MODELS = {"openai": "gpt-5.4-mini", "anthropic": "claude-haiku-4-5", "gemini": "gemini-2.5-flash"}
# Short backoff so retry tests stay fast; the policy logic itself is tested in test_retry.py.
FAST_RETRIES = RetryPolicy(max_retries=2, base_delay=0.01, max_delay=0.05)


@pytest.fixture(params=SDK_PROVIDERS)
def fake(request):
    """Each provider's fake in turn, for tests that hold for all three SDK adapters."""
    return request.getfixturevalue(f"fake_{request.param}")
