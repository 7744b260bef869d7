"""Fixtures for the agents tests: agents, org keys, and hosted providers pointed at the fakes.

Every provider call goes through the real SDK to a fake server on 127.0.0.1; the hosted and
org keys below are made-up strings that the fakes accept.
"""

import uuid

import pytest

from agents.models import Agent, Channel, ChannelToken
from agents.models.agents import ChannelKind
from keys.services import create_key
from tests.fakes.fixtures import fake_anthropic, fake_gemini, fake_openai, fake_providers  # noqa: F401
from tests.fakes.server import catalog_models
from usage.models import CatalogModel

HOSTED_SECRETS = {
    "openai": "sk-hosted-openai-0123456789abcdef",
    "anthropic": "sk-ant-hosted-0123456789abcdef",
    "gemini": "AIzaHostedGemini0123456789abcdef",
}
BASE_URL_SETTINGS = {"openai": "OPENAI_BASE_URL", "anthropic": "ANTHROPIC_BASE_URL", "gemini": "GEMINI_BASE_URL"}
HOSTED_KEY_SETTINGS = {
    "openai": "HOSTED_OPENAI_API_KEY",
    "anthropic": "HOSTED_ANTHROPIC_API_KEY",
    "gemini": "HOSTED_GEMINI_API_KEY",
}
# The first catalog model of each provider, which its fake serves.
MODELS = {provider: catalog_models(provider)[0] for provider in ("openai", "anthropic", "gemini")}


@pytest.fixture(autouse=True)
def offline_providers(settings):
    """Point every provider at an address that refuses connections unless a test sets a fake.

    No test may reach a real provider, even by a forgotten default.
    """
    for provider, name in BASE_URL_SETTINGS.items():
        setattr(settings, name, "http://127.0.0.1:9/v1" if provider == "openai" else "http://127.0.0.1:9")
    for name in HOSTED_KEY_SETTINGS.values():
        setattr(settings, name, "")
    settings.AGENT_PROVIDER_MAX_RETRIES = 0
    settings.AGENT_PROVIDER_TIMEOUT_SECONDS = 5
    # The member fixtures create six users; the default PBKDF2 hasher makes that take seconds.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def host_provider(settings, provider, fake):
    """Configure the hosted key of provider and send its calls to fake."""
    setattr(settings, HOSTED_KEY_SETTINGS[provider], HOSTED_SECRETS[provider])
    setattr(settings, BASE_URL_SETTINGS[provider], fake.base_url)


@pytest.fixture
def catalog(db):
    """Catalog rows for the models the fakes serve."""
    rows = []
    for provider, model_id in MODELS.items():
        row, _ = CatalogModel.objects.get_or_create(
            provider=provider,
            model_id=model_id,
            defaults={
                "display_name": model_id,
                "context_window": 128_000,
                "input_price_per_million": "1.00",
                "output_price_per_million": "4.00",
            },
        )
        rows.append(row)
    return rows


def make_agent(org, provider="openai", strategy="hosted", **fields):
    fields.setdefault("model_id", MODELS.get(provider, "extractive-v1"))
    fields.setdefault("name", f"{provider} {strategy} agent")
    fields.setdefault("system_prompt", "You answer questions about Acme.")
    fields.setdefault("max_output_tokens", 200)
    return Agent.objects.create(organization=org, provider=provider, strategy=strategy, **fields)


def make_org_key(org, provider="openai", base_url="", **fields):
    """Create an org key with a unique secret; return (api_key, secret)."""
    secret = f"sk-org-{provider}-{uuid.uuid4().hex}"
    api_key = create_key(org, provider=provider, label=f"{provider} key", secret=secret, base_url=base_url, **fields)
    return api_key, secret


def make_token(agent, name="Test token"):
    """Create an API channel for agent with one token; return (channel, token, plaintext)."""
    channel = Channel.objects.create(organization=agent.organization, agent=agent, kind=ChannelKind.API, name="API")
    token, plaintext = ChannelToken.issue(channel, name)
    return channel, token, plaintext
