"""Fixtures for the blue/green tests: an extractive agent that answers from a small handbook.

The extractive model runs in-process and quotes the retrieved passages, so regression runs,
swaps and the widget are tested through the real chat pipeline without any network call.
"""

import pytest

from agents.models import Agent, Channel, ChannelToken, GoldenQuestion
from agents.models.agents import ChannelKind
from knowledge.models import KnowledgeBase
from tests.knowledge.conftest import make_document
from knowledge.pipeline import process_document

HANDBOOK = b"""# Password reset

To reset your password, open the sign-in page and click "Forgot password". We email you a reset link that works for one hour.

# Refunds

Customers can ask for a refund within 30 days of purchase. Refunds go back to the original card.

# Shipping

Parcels leave the warehouse in Rotterdam every weekday before noon.
"""


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Hash the fixture users' passwords with MD5: PBKDF2 costs seconds per test on a busy machine."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.GEMINI_BASE_URL = "http://127.0.0.1:9"
    settings.HOSTED_GEMINI_API_KEY = ""
    settings.HOSTED_OPENAI_API_KEY = ""
    settings.HOSTED_ANTHROPIC_API_KEY = ""
    settings.OPENAI_BASE_URL = "http://127.0.0.1:9/v1"
    settings.ANTHROPIC_BASE_URL = "http://127.0.0.1:9"


@pytest.fixture
def handbook(org):
    base = KnowledgeBase.objects.create(organization=org, name="Handbook")
    document = make_document(base, "handbook.md", HANDBOOK)
    process_document(document.pk)
    document.refresh_from_db()
    assert document.status == "ready", document.status_reason
    return base


def make_agent(org, name="Helpdesk", knowledge_base=None, **fields):
    fields.setdefault("provider", "extractive")
    fields.setdefault("model_id", "extractive-v1")
    fields.setdefault("strategy", "hosted")
    agent = Agent.objects.create(organization=org, name=name, **fields)
    if knowledge_base is not None:
        agent.knowledge_bases.add(knowledge_base)
    return agent


@pytest.fixture
def agent(org, handbook):
    return make_agent(org, knowledge_base=handbook, system_prompt="Answer from the handbook.", department="Support")


@pytest.fixture
def api_channel(agent):
    return Channel.objects.create(organization=agent.organization, agent=agent, kind=ChannelKind.API, name="Website API")


@pytest.fixture
def api_token(api_channel):
    _token, plaintext = ChannelToken.issue(api_channel, "Test token")
    return plaintext


@pytest.fixture
def widget_channel(agent):
    return Channel.objects.create(
        organization=agent.organization,
        agent=agent,
        kind=ChannelKind.WEB_WIDGET,
        name="Website widget",
        settings={"allowed_origins": ["https://shop.example"], "rate_limit_per_minute": 3},
    )


def add_questions(agent, rows):
    """Create golden questions for agent's family from (question, must_contain, must_not_contain)."""
    return [
        GoldenQuestion.objects.create(
            organization=agent.organization,
            family_id=agent.family_id,
            question=question,
            must_contain=list(must),
            must_not_contain=list(must_not),
        )
        for question, must, must_not in rows
    ]


@pytest.fixture
def questions(agent):
    return add_questions(
        agent,
        [
            ("How do I reset my password?", ["reset link"], ["fax"]),
            ("When do parcels leave the warehouse?", ["Rotterdam"], []),
            ("How long do I have to ask for a refund?", ["30 days"], []),
        ],
    )
