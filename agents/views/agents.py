"""Agent pages: list, create, edit and the detail page with its routing explanation."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_tables2 import RequestConfig

from orgs import audit
from orgs.permissions import Perm
from orgs.scoping import get_for_org, require_perm

from .. import routing
from ..forms import AgentForm
from ..models import Agent, ChannelToken
from ..models.agents import ChannelKind
from ..tables import AgentTable


@require_GET
def agent_list(request):
    require_perm(request, Perm.BUILD)
    queryset = Agent.objects.filter(organization=request.organization)
    table = AgentTable(queryset)
    RequestConfig(request, paginate={"per_page": 25}).configure(table)
    template = "agents/list.html#table" if request.htmx else "agents/list.html"
    return render(request, template, {"table": table, "agent_count": queryset.count()})


@require_http_methods(["GET", "POST"])
def agent_create(request):
    require_perm(request, Perm.BUILD)
    return _edit(request, Agent(organization=request.organization))


@require_http_methods(["GET", "POST"])
def agent_edit(request, agent_id):
    agent = get_for_org(request, Agent, Perm.BUILD, public_id=agent_id)
    return _edit(request, agent)


def _edit(request, agent):
    creating = agent.pk is None
    # A GET with ?strategy= re-renders the form for another strategy (htmx swaps the form).
    data = request.POST if request.method == "POST" else None
    if request.method == "GET" and "strategy" in request.GET:
        data = request.GET
    form = AgentForm(data, instance=agent, organization=request.organization)
    if request.method == "POST" and form.is_valid():
        agent = form.save(commit=False)
        if creating:
            agent.created_by = request.user
        agent.save()
        form.save_m2m()
        action = "agent.created" if creating else "agent.updated"
        audit.record(
            request.organization,
            action,
            request=request,
            target=agent,
            details={"provider": agent.provider, "model": agent.model_id, "strategy": agent.strategy},
        )
        messages.success(request, _("Agent “%(name)s” saved.") % {"name": agent.name})
        return redirect("agents:detail", agent_id=agent.public_id)
    if request.method == "GET" and "strategy" in request.GET:
        form.errors.clear()
    template = "agents/form.html#form" if request.htmx else "agents/form.html"
    return render(request, template, {"form": form, "agent": agent, "creating": creating})


@require_GET
def agent_detail(request, agent_id):
    agent = get_for_org(request, Agent.objects.select_related("organization__plan"), Perm.BUILD, public_id=agent_id)
    return render(request, "agents/detail.html", detail_context(agent))


def detail_context(agent, new_token=None):
    tokens = ChannelToken.objects.filter(channel__agent=agent, channel__kind=ChannelKind.API)
    return {
        "agent": agent,
        "knowledge_bases": list(agent.knowledge_bases.all()),
        "routing": routing.explain(agent),
        "tokens": tokens.select_related("channel", "created_by"),
        "new_token": new_token,
    }
