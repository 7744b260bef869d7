"""Which agent serves a turn on a channel: the channel's agent, or a canary candidate.

A canary sends a share of a channel's new conversations to a candidate of the same family.
The conversation stores the agent that started it, so while the canary lasts every later
turn of that conversation goes to the same agent.
"""

import random

from django.db import transaction
from django.utils.translation import gettext as _

from orgs import audit

from ..models import Agent, Canary

MAX_CANARY_PERCENT = 99


class CanaryRejected(Exception):
    """Invalid canary settings; the message names the value and the fix."""


def serving_agent(channel, conversation=None):
    """Return the agent that serves the next turn on channel, with its organization loaded.

    Reads the canary once; callers keep the returned agent for the whole request.
    """
    canary = Canary.objects.filter(channel=channel).select_related("candidate").first()
    if canary is None:
        return channel.agent
    family = channel.agent.family_id
    if canary.candidate.family_id != family:
        return channel.agent
    if conversation is not None:
        if conversation.agent_id in (channel.agent_id, canary.candidate_id):
            return channel.agent if conversation.agent_id == channel.agent_id else _with_organization(canary.candidate)
        return channel.agent
    if random.randrange(100) < canary.percent:
        return _with_organization(canary.candidate)
    return channel.agent


def _with_organization(agent):
    return Agent.objects.select_related("organization__plan").get(pk=agent.pk)


@transaction.atomic
def set_canary(channel, candidate, percent, *, actor=None, request=None):
    """Send percent % of channel's new conversations to candidate; 0 removes the canary."""
    if percent == 0:
        deleted, _details = Canary.objects.filter(channel=channel).delete()
        if deleted:
            audit.record(channel.organization, "channel.canary_removed", request=request, actor=actor, target=channel)
        return None
    if not 1 <= percent <= MAX_CANARY_PERCENT:
        raise CanaryRejected(
            _("The canary share %(value)s%% is invalid: use 1 to %(max)d, or 0 to stop the canary. Use a swap for 100%%.")
            % {"value": percent, "max": MAX_CANARY_PERCENT}
        )
    if candidate.family_id != channel.agent.family_id or candidate.organization_id != channel.organization_id:
        raise CanaryRejected(_("The candidate must be a clone of the agent that serves the channel."))
    if candidate.pk == channel.agent_id:
        raise CanaryRejected(_("The candidate already serves this channel: choose another version."))
    canary, _created = Canary.objects.update_or_create(
        channel=channel, defaults={"candidate": candidate, "percent": percent, "created_by": actor}
    )
    audit.record(
        channel.organization,
        "channel.canary_set",
        request=request,
        actor=actor,
        target=channel,
        details={"candidate": str(candidate.public_id), "percent": percent},
    )
    return canary
