"""agents.token_lookup: the API token read in one query, equal to what the ORM reads."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from agents.models import Canary, ChannelToken
from agents.models.agents import ChannelKind
from agents.token_lookup import load_token
from knowledge.models import KnowledgeBase
from orgs.models import Organization, Plan
from tests.agents.conftest import make_agent, make_token

pytestmark = pytest.mark.django_db


def field_values(instance):
    return {field.attname: getattr(instance, field.attname) for field in type(instance)._meta.concrete_fields}


def test_token_and_related_rows_equal_the_orm(org, django_assert_num_queries):
    agent = make_agent(org, temperature=0.3, department="Support")
    channel, token, _plaintext = make_token(agent)
    ChannelToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - timedelta(minutes=5))

    with django_assert_num_queries(1):
        loaded = load_token(token.prefix, ChannelKind.API)
        # Every relation the chat API follows is already loaded.
        plan = loaded.channel.agent.organization.plan
        with pytest.raises(Canary.DoesNotExist):
            loaded.channel.canary

    expected = ChannelToken.objects.select_related("channel__agent__organization__plan").get(pk=token.pk)
    assert field_values(loaded) == field_values(expected)
    assert field_values(loaded.channel) == field_values(expected.channel)
    assert field_values(loaded.channel.agent) == field_values(expected.channel.agent)
    assert field_values(loaded.channel.agent.organization) == field_values(Organization.objects.get(pk=org.pk))
    assert field_values(plan) == field_values(Plan.objects.get(pk=org.plan_id))
    # Converted as the ORM converts them: aware datetimes, UUIDs, decimals, JSON.
    assert loaded.last_used_at.tzinfo is not None
    assert loaded.channel.agent.public_id == agent.public_id
    assert isinstance(plan.monthly_price, Decimal)
    assert loaded.channel.settings == {}
    assert loaded.channel.agent.has_knowledge_bases is False
    assert loaded._state.adding is False


def test_canary_and_knowledge_bases_are_read(org):
    agent = make_agent(org)
    candidate = make_agent(org, name="Candidate", family_id=agent.family_id)
    channel, token, _plaintext = make_token(agent)
    Canary.objects.create(channel=channel, candidate=candidate, percent=25)
    agent.knowledge_bases.add(KnowledgeBase.objects.create(organization=org, name="Handbook"))

    loaded = load_token(token.prefix, ChannelKind.API)

    assert loaded.channel.canary.candidate_id == candidate.pk
    assert loaded.channel.canary.percent == 25
    assert loaded.channel.canary.channel is loaded.channel
    assert loaded.channel.agent.has_knowledge_bases is True


def test_unusable_tokens_not_found(org):
    agent = make_agent(org)
    _channel, token, _plaintext = make_token(agent)

    assert load_token("00000000", ChannelKind.API) is None
    assert load_token(token.prefix, ChannelKind.WEB_WIDGET) is None

    ChannelToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    assert load_token(token.prefix, ChannelKind.API) is None


def test_loaded_instances_save_like_orm_instances(org):
    agent = make_agent(org)
    _channel, token, _plaintext = make_token(agent)

    loaded = load_token(token.prefix, ChannelKind.API)
    loaded.channel.agent.description = "Changed through a loaded instance"
    loaded.channel.agent.save(update_fields=["description"])

    agent.refresh_from_db()
    assert agent.description == "Changed through a loaded instance"
