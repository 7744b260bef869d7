"""Demo data for `manage.py seed_demo`: the "Acme Helpdesk" agent with an API and a playground channel."""

from django.conf import settings
from knowledge.models import KnowledgeBase
from usage.demo import PROFILES as USAGE_PROFILES
from usage.demo import model_for

from . import demo_bluegreen
from . import demo_support
from .models import Agent, Channel, ChannelToken
from .models.agents import AgentStrategy, ChannelKind, Provider

DEMO_AGENT_NAME = "Acme Helpdesk"
DEMO_KNOWLEDGE_BASE_NAME = "Acme Handbook"
DEMO_TOKEN_NAME = "Demo token (seed_demo)"


def _seed_sample_agents(organization, builder, handbook):
    """Create the other agents that the demo usage history names, on the models it bills.

    They show the routing explanation for hosted and BYOK models; without a hosted key or an
    organization key of their provider, their page explains why a chat would fail.
    """
    for name, department, provider, source, _channel, _rate in USAGE_PROFILES:
        if provider == Provider.EXTRACTIVE:
            continue
        model_id, _prices = model_for(provider, cheapest=source == "hosted")
        agent, created = Agent.objects.get_or_create(
            organization=organization,
            name=name,
            defaults={
                "description": f"Sample {department.lower()} agent with generated usage history (seed_demo).",
                "provider": provider,
                "model_id": model_id,
                "strategy": AgentStrategy.HOSTED if source == "hosted" else AgentStrategy.BYOK,
                "system_prompt": f"You are Acme's {department.lower()} assistant. Answer from the handbook and cite it.",
                "temperature": 0.2,
                "max_output_tokens": 800,
                "department": department,
                "created_by": builder,
            },
        )
        if created and handbook is not None:
            agent.knowledge_bases.add(handbook)


def seed(organization, users, stdout):
    """Create the demo agent, its channels and one API token; running again changes nothing."""
    builder = users.get("builder")
    agent, created = Agent.objects.get_or_create(
        organization=organization,
        name=DEMO_AGENT_NAME,
        defaults={
            "description": "Answers customer questions from the Acme Handbook, quoting its sources.",
            "provider": Provider.EXTRACTIVE,
            "model_id": "extractive-v1",
            "strategy": AgentStrategy.HOSTED,
            "system_prompt": "You are Acme's helpdesk. Answer from the handbook and cite it.",
            "temperature": 0.0,
            "max_output_tokens": 600,
            "department": "Support",
            "created_by": builder,
        },
    )
    handbook = KnowledgeBase.objects.filter(organization=organization, name=DEMO_KNOWLEDGE_BASE_NAME).first()
    if handbook is not None:
        agent.knowledge_bases.add(handbook)
    elif created:
        stdout.write(f"  Knowledge base {DEMO_KNOWLEDGE_BASE_NAME!r} not found: the demo agent searches no knowledge.")

    Channel.objects.get_or_create(
        organization=organization,
        kind=ChannelKind.PLAYGROUND,
        agent=agent,
        defaults={"name": f"{DEMO_AGENT_NAME} playground"},
    )
    api_channel, _ = Channel.objects.get_or_create(
        organization=organization,
        kind=ChannelKind.API,
        agent=agent,
        defaults={"name": f"{DEMO_AGENT_NAME} API"},
    )

    _seed_sample_agents(organization, builder, handbook)

    demo_bluegreen.seed(organization, users, stdout)

    demo_support.seed(organization, users, stdout, agent_name=DEMO_AGENT_NAME)

    existing = ChannelToken.objects.filter(channel=api_channel, revoked_at__isnull=True).first()
    if existing is not None:
        stdout.write(
            f"  API token for {DEMO_AGENT_NAME} exists (fa_{existing.prefix}_…); its secret was shown "
            "only when it was created. Create a new one on the agent's page as builder@acme.test."
        )
        return
    _token, plaintext = ChannelToken.issue(api_channel, DEMO_TOKEN_NAME, created_by=builder)
    # Printing the token is the one time it is shown, as with the create action on the agent page.
    base = settings.DEMO_SITE_URL
    stdout.write(f"  API token for {DEMO_AGENT_NAME} (shown once): {plaintext}")
    stdout.write(
        f"  Try: curl -s {base}/api/v1/agents/{agent.public_id}/chat -H 'Authorization: Bearer {plaintext}' "
        "-H 'Content-Type: application/json' -d '{\"message\": \"How do I reset my password?\", \"conversation_id\": null}'"
    )
