"""Lookup of the agents that use a key. Without an agents app, no key is in use."""

from django.apps import apps

from .models import ApiKey


def _agent_model():
    try:
        return apps.get_model("agents", "Agent")
    except LookupError:
        return None


def agents_using(api_key: ApiKey) -> list:
    """Return the agents whose BYOK calls would use api_key now, or that pin it.

    An agent pins a key by its public id. An unpinned BYOK agent uses the key that the
    resolver picks for its provider, so this function calls the resolver's own picker.
    """
    from .resolver import _pick_org_key

    Agent = _agent_model()
    if Agent is None:
        return []
    # Agent.pinned_key is a foreign key to ApiKey.public_id, so its column contains the UUID.
    attnames = {getattr(field, "attname", field.name) for field in Agent._meta.get_fields()}
    agents = Agent.objects.filter(organization_id=api_key.organization_id)
    pinned = []
    if "pinned_key_id" in attnames:
        pinned = list(agents.filter(pinned_key_id=api_key.public_id))
    unpinned = []
    if {"strategy", "provider"} <= attnames:
        default_key, _ = _pick_org_key(api_key.organization, api_key.provider, None, None)
        if default_key is not None and default_key.pk == api_key.pk:
            candidates = agents.filter(strategy="byok", provider=api_key.provider)
            if "pinned_key_id" in attnames:
                candidates = candidates.filter(pinned_key_id__isnull=True)
            unpinned = list(candidates)
    return sorted({agent.pk: agent for agent in pinned + unpinned}.values(), key=lambda agent: agent.name)


def usage_counts(organization, api_keys) -> dict[int, int]:
    """Return {ApiKey pk: number of agents using it} for a page of keys."""
    return {api_key.pk: len(agents_using(api_key)) for api_key in api_keys}
