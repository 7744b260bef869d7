"""API tokens of an agent's API channel: create (the token is shown once) and revoke."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from orgs import audit
from orgs.permissions import Perm
from orgs.scoping import get_for_org

from ..models import Agent, Channel, ChannelToken
from ..models.agents import ChannelKind
from .agents import detail_context

TOKEN_NAME_MAX_LENGTH = 120


def api_channel_for(agent):
    """Return the API channel serving agent, creating it on first use."""
    channel = Channel.objects.filter(agent=agent, kind=ChannelKind.API).order_by("id").first()
    if channel is None:
        channel = Channel.objects.create(
            organization=agent.organization, agent=agent, kind=ChannelKind.API, name=f"{agent.name} API"
        )
    return channel


@require_POST
def token_create(request, agent_id):
    agent = get_for_org(request, Agent.objects.select_related("organization__plan"), Perm.BUILD, public_id=agent_id)
    name = request.POST.get("name", "").strip() or _("API token")
    if len(name) > TOKEN_NAME_MAX_LENGTH:
        messages.error(
            request,
            _("The token name has %(length)d characters; the maximum is %(limit)d.")
            % {"length": len(name), "limit": TOKEN_NAME_MAX_LENGTH},
        )
        return redirect("agents:detail", agent_id=agent.public_id)
    token, plaintext = ChannelToken.issue(api_channel_for(agent), name, created_by=request.user)
    audit.record(
        request.organization,
        "agent.token_created",
        request=request,
        target=token,
        details={"agent": str(agent.public_id), "name": name, "prefix": token.prefix},
    )
    # The plaintext exists only in this response; the database keeps a keyed hash. The page is
    # rendered instead of redirected to, so the token never passes through the session.
    context = detail_context(agent, new_token={"token": token, "plaintext": plaintext})
    template = "agents/detail.html#tokens" if request.htmx else "agents/detail.html"
    response = render(request, template, context)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def token_revoke(request, agent_id, token_id):
    agent = get_for_org(request, Agent, Perm.BUILD, public_id=agent_id)
    token = get_object_or_404(ChannelToken, public_id=token_id, channel__agent=agent)
    if token.revoked_at is None:
        token.revoke()
        audit.record(
            request.organization,
            "agent.token_revoked",
            request=request,
            target=token,
            details={"agent": str(agent.public_id), "name": token.name, "prefix": token.prefix},
        )
        messages.success(request, _("Token “%(name)s” revoked: requests with it now get 401.") % {"name": token.name})
    if request.htmx:
        return render(request, "agents/detail.html#tokens", detail_context(agent))
    return redirect("agents:detail", agent_id=agent.public_id)
