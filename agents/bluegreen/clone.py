"""Cloning an agent into a candidate version of the same family."""

from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Agent

# Fields copied to the clone. The clone gets its own public id and creation time, and it
# keeps `family_id`, so it shares the golden questions and can take over the family's channels.
CLONED_FIELDS = [
    "description",
    "provider",
    "model_id",
    "strategy",
    "pinned_key_id",
    "system_prompt",
    "temperature",
    "max_output_tokens",
    "department",
    "family_id",
]

MAX_NAME_LENGTH = Agent._meta.get_field("name").max_length


def clone_name(agent) -> str:
    """Return a name for the next clone of agent, unique within its organization."""
    base = _("%(name)s (candidate)") % {"name": agent.name}
    taken = set(Agent.objects.filter(organization_id=agent.organization_id).values_list("name", flat=True))
    name, number = base, 2
    while name in taken:
        name = _("%(name)s (candidate %(number)d)") % {"name": agent.name, "number": number}
        number += 1
    return name[:MAX_NAME_LENGTH]


@transaction.atomic
def clone_agent(agent, created_by=None, name="") -> Agent:
    """Create a copy of agent with its settings, prompt, knowledge links and family.

    The clone serves no channel until a swap moves one to it.
    """
    clone = Agent(organization_id=agent.organization_id, name=name or clone_name(agent), created_by=created_by)
    for field in CLONED_FIELDS:
        setattr(clone, field, getattr(agent, field))
    clone.save()
    clone.knowledge_bases.set(agent.knowledge_bases.all())
    return clone
