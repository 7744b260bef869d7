"""Fixtures for the support tests: traced turns made by the real chat pipeline, staff, grants.

Provider calls go through the real SDKs to the fake servers on 127.0.0.1. The hosted key
and the org key are canaries: tests assert they never reach a page or an export.
"""

import uuid
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.models import Group
from django.utils import timezone

from agents.chat import prepare_turn
from agents.models import Agent, Channel, SupportAccessGrant
from agents.models.agents import ChannelKind
from agents.support_access import PLATFORM_SUPPORT_GROUP
from keys.services import create_key
from tests.conftest import PASSWORD
from tests.fakes.fixtures import fake_openai  # noqa: F401
from tests.fakes.server import catalog_models

HOSTED_CANARY = "sk-hosted-canary-5f0b7c1e9a2d4b6f8e0c"
OPENAI_MODEL = catalog_models("openai")[0]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Hash the fixture users' passwords with MD5: PBKDF2 made each test's setup take seconds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def offline_providers(settings):
    """Send every provider call to a closed port on 127.0.0.1 unless a test sets a fake."""
    settings.OPENAI_BASE_URL = "http://127.0.0.1:9/v1"
    settings.ANTHROPIC_BASE_URL = "http://127.0.0.1:9"
    settings.GEMINI_BASE_URL = "http://127.0.0.1:9"
    settings.HOSTED_OPENAI_API_KEY = ""
    settings.HOSTED_ANTHROPIC_API_KEY = ""
    settings.HOSTED_GEMINI_API_KEY = ""
    settings.AGENT_PROVIDER_MAX_RETRIES = 0
    settings.AGENT_PROVIDER_TIMEOUT_SECONDS = 5


@pytest.fixture
def hosted_openai(settings, fake_openai):  # noqa: F811
    """Hosted OpenAI served by the fake, with the canary as the operator's key."""
    settings.HOSTED_OPENAI_API_KEY = HOSTED_CANARY
    settings.OPENAI_BASE_URL = fake_openai.base_url
    return fake_openai


def make_agent(org, strategy="hosted", provider="openai", **fields):
    fields.setdefault("model_id", OPENAI_MODEL if provider == "openai" else "extractive-v1")
    fields.setdefault("name", f"{provider} {strategy} agent")
    fields.setdefault("system_prompt", "You answer questions about Acme.")
    fields.setdefault("max_output_tokens", 200)
    fields.setdefault("temperature", 0.3)
    return Agent.objects.create(organization=org, provider=provider, strategy=strategy, **fields)


def make_channel(agent, kind=ChannelKind.PLAYGROUND):
    return Channel.objects.create(organization=agent.organization, agent=agent, kind=kind, name=f"{kind} channel")


def run_turn(agent, text="How do refunds work?", channel=None, conversation=None):
    """Run one non-streamed turn through the chat pipeline and return its TurnResult."""

    async def run():
        turn = await prepare_turn(agent, channel, text, conversation=conversation)
        return await turn.complete()

    agent = Agent.objects.select_related("organization__plan").get(pk=agent.pk)
    return async_to_sync(run)()


@pytest.fixture
def hosted_agent(org):
    return make_agent(org)


@pytest.fixture
def hosted_trace(hosted_openai, hosted_agent):
    """A completed hosted turn; the fake answers with its default text."""
    return run_turn(hosted_agent, channel=make_channel(hosted_agent)).trace


@pytest.fixture
def failed_trace(hosted_openai, hosted_agent):
    """A hosted turn that failed with a provider 500; the fake echoes the key in the error."""
    hosted_openai.fail(500)
    return run_turn(hosted_agent, channel=make_channel(hosted_agent)).trace


@pytest.fixture
def org_key_secret():
    return f"sk-org-canary-{uuid.uuid4().hex}"


@pytest.fixture
def byok_trace(org, hosted_openai, org_key_secret):
    """A completed BYOK turn on an org key whose secret is a canary."""
    api_key = create_key(
        org, provider="openai", label="Org OpenAI", secret=org_key_secret, base_url=hosted_openai.base_url
    )
    agent = make_agent(org, strategy="byok", name="BYOK agent", pinned_key=api_key)
    return run_turn(agent).trace


@pytest.fixture
def staff_user(django_user_model):
    """A Django staff user in the platform support group, member of no organization."""
    user = django_user_model.objects.create_user(
        username="staff@platform.example", email="staff@platform.example", password=PASSWORD, is_staff=True
    )
    user.groups.add(Group.objects.get(name=PLATFORM_SUPPORT_GROUP))
    return user


@pytest.fixture
def grant(org, members):
    now = timezone.now()
    return SupportAccessGrant.objects.create(
        organization=org, granted_by=members["admin"], starts_at=now, ends_at=now + timedelta(days=7), reason="Ticket 42"
    )


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client
