"""Demo data for support: a failed hosted turn to reproduce, and a platform support staff user.

Called at the end of `agents.demo.seed`; running it again changes nothing.
"""

import os

from asgiref.sync import async_to_sync
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from orgs.management.commands.seed_demo import DEFAULT_DEMO_PASSWORD

from .chat import ChatError, prepare_turn
from .models import Agent, Channel, Trace
from .models.agents import ChannelKind
from .models.conversations import MessageStatus
from .support_access import PLATFORM_SUPPORT_GROUP

STAFF_EMAIL = "platform-support@flexyagents.test"
DEMO_QUESTION = "How do I reset my password?"
# Marks the seeded failed trace so a second run finds it.
DEMO_FAILURE_REQUEST_ID = "demo-seeded-timeout"


def seed(organization, users, stdout, agent_name="Acme Helpdesk"):
    """Create the staff user and, for the demo agent, one answered and one failed traced turn."""
    seed_staff_user(stdout)

    agent = Agent.objects.select_related("organization__plan").filter(organization=organization, name=agent_name).first()
    if agent is None:
        stdout.write(f"  Agent {agent_name!r} not found: no demo traces for support.")
        return
    if Trace.objects.filter(agent=agent, provider_request_id=DEMO_FAILURE_REQUEST_ID).exists():
        return

    channel = Channel.objects.filter(agent=agent, kind=ChannelKind.PLAYGROUND).first()
    answered = answer_one_turn(agent, channel, users.get("builder"), stdout)
    if answered is None:
        return

    # NOTE: the offline extractive model cannot fail, so the failed turn is stored directly: it
    # repeats the answered turn's request with the outcome of a provider timeout.
    Trace.objects.create(
        organization=organization,
        conversation=None,
        agent=agent,
        channel=channel,
        provider=answered.provider,
        model_id=answered.model_id,
        request=answered.request,
        status=MessageStatus.FAILED,
        error_code="provider_timed_out",
        error_message="The provider timed out after 60 seconds (demo data).",
        latency_ms=60000,
        billing_source=answered.billing_source,
        provider_request_id=DEMO_FAILURE_REQUEST_ID,
    )
    stdout.write(f"  Demo traces for {agent_name}: one answered turn and one failed turn to reproduce.")


def answer_one_turn(agent, channel, user, stdout):
    """Run one real turn through the chat pipeline and return its trace, or None on failure."""

    async def run():
        turn = await prepare_turn(agent, channel, DEMO_QUESTION, user=user)
        return await turn.complete()

    try:
        return async_to_sync(run)().trace
    except ChatError as exc:
        stdout.write(f"  Demo turn for {agent.name} failed ({exc.code}): {exc.message}")
        return None


def seed_staff_user(stdout):
    """Create the platform support staff user with the demo password, in the support group."""
    password = os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=STAFF_EMAIL, defaults={"email": STAFF_EMAIL, "first_name": "Platform", "is_staff": True}
    )
    if created or not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    group, _ = Group.objects.get_or_create(name=PLATFORM_SUPPORT_GROUP)
    user.groups.add(group)
    if created:
        stdout.write(f"  Platform support staff user: {STAFF_EMAIL} (opens /traces/staff/ once Acme grants access)")
