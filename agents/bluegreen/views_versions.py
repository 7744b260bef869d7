"""Pages for the versions of an agent: clone, swap channels, roll back, canary, swap history."""

from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from orgs import audit
from orgs.permissions import Perm
from orgs.scoping import get_for_org, require_perm

from ..models import Agent, Channel, RegressionRun, SwapEvent
from ..models.golden import SwapKind
from .clone import clone_agent
from .forms import CanaryForm, SwapForm
from .routing import CanaryRejected, set_canary
from .runs import family_questions, latest_finished_run
from .swap import SWAPPABLE_KINDS, SwapRejected, check_gate, rollback_batch, swap_channels, swappable_channels

RECENT_SWAPS = 10


def family_agents(agent):
    """Return the agents of agent's family with the number of API and widget channels each serves."""
    return (
        Agent.objects.filter(organization_id=agent.organization_id, family_id=agent.family_id)
        .annotate(live_channels=Count("channels", filter=Q(channels__kind__in=SWAPPABLE_KINDS)))
        .order_by("created_at", "id")
    )


def live_agent_of(agent):
    """Return the family's agent that serves the most API and widget channels, or None."""
    return family_agents(agent).filter(live_channels__gt=0).order_by("-live_channels", "created_at").first()


def family_channels(agent):
    return (
        Channel.objects.filter(
            organization_id=agent.organization_id, agent__family_id=agent.family_id, kind__in=SWAPPABLE_KINDS
        )
        .select_related("agent", "canary__candidate")
        .order_by("name", "id")
    )


def swap_batches(organization, family_id, limit=RECENT_SWAPS):
    """Return the latest swap batches of a family as dicts, with whether each can be rolled back."""
    events = list(
        SwapEvent.objects.filter(organization=organization, channel__agent__family_id=family_id)
        .select_related("channel", "from_agent", "to_agent", "actor")
        .order_by("-created_at", "-id")[: limit * 5]
    )
    reverted = set(
        SwapEvent.objects.filter(organization=organization, reverts_batch_id__in=[event.batch_id for event in events])
        .values_list("reverts_batch_id", flat=True)
    )
    batches = {}
    for event in events:
        batch = batches.setdefault(
            event.batch_id, {"id": event.batch_id, "first": event, "events": [], "rolled_back": event.batch_id in reverted}
        )
        batch["events"].append(event)
    for batch in batches.values():
        # Offer a rollback only while some channel of the batch still points at the swap's target.
        batch["can_roll_back"] = not batch["rolled_back"] and any(
            event.channel.agent_id == event.to_agent_id for event in batch["events"]
        )
    return list(batches.values())[:limit]


@require_GET
def versions(request, agent_id):
    agent = get_for_org(request, Agent, Perm.BUILD, public_id=agent_id)
    agents = list(family_agents(agent))
    runs = {}
    for member in agents:
        member.latest_run = RegressionRun.objects.filter(agent=member).order_by("-created_at", "-id").first()
        runs[member.pk] = member.latest_run
    context = {
        "agent": agent,
        "agents": agents,
        "live_agent": live_agent_of(agent),
        "channels": family_channels(agent),
        "question_count": family_questions(agent).count(),
        "batches": swap_batches(request.organization, agent.family_id),
    }
    return render(request, "agents/bluegreen/versions.html", context)


@require_POST
def clone(request, agent_id):
    agent = get_for_org(request, Agent, Perm.BUILD, public_id=agent_id)
    copy = clone_agent(agent, created_by=request.user)
    audit.record(
        request.organization,
        "agent.cloned",
        request=request,
        target=copy,
        details={"source": str(agent.public_id), "model": copy.model_id},
    )
    messages.success(
        request,
        _("“%(name)s” created. It serves no channel until you swap traffic to it: change its model, then run the golden questions.")
        % {"name": copy.name},
    )
    return redirect("agents:versions", agent_id=copy.public_id)


@require_http_methods(["GET", "POST"])
def swap(request, agent_id):
    candidate = get_for_org(request, Agent.objects.select_related("organization"), Perm.BUILD, public_id=agent_id)
    channels = list(swappable_channels(candidate))
    form = SwapForm(request.POST or None, channels=channels)
    can_override = Perm.MANAGE_ORG in request.perms
    if request.method == "POST" and form.is_valid():
        try:
            swap_channels(
                candidate,
                form.cleaned_data["channels"],
                actor=request.user,
                request=request,
                override_reason=form.cleaned_data["override_reason"],
                can_override=can_override,
            )
        except SwapRejected as rejected:
            form.add_error(None, rejected.message)
            return render_swap(request, candidate, channels, form, can_override, status=rejected.status)
        messages.success(request, _("Traffic moved to “%(name)s”. The next requests on those channels go to it.") % {"name": candidate.name})
        return redirect("agents:versions", agent_id=candidate.public_id)
    return render_swap(request, candidate, channels, form, can_override, status=400 if request.method == "POST" else 200)


def render_swap(request, candidate, channels, form, can_override, status=200):
    live_agents = {channel.agent_id: channel.agent for channel in channels}
    gates = [check_gate(live, candidate) for live in live_agents.values()]
    context = {
        "agent": candidate,
        "channels": channels,
        "form": form,
        "gates": gates,
        "can_override": can_override,
        "candidate_run": latest_finished_run(candidate),
    }
    return render(request, "agents/bluegreen/swap.html", context, status=status)


@require_POST
def rollback(request, batch_id):
    require_perm(request, Perm.BUILD)
    first = SwapEvent.objects.filter(organization=request.organization, batch_id=batch_id).select_related("to_agent").first()
    if first is None:
        raise Http404(_("No swap %(id)s exists in this organization.") % {"id": batch_id})
    try:
        events = rollback_batch(request.organization, batch_id, actor=request.user, request=request)
    except SwapRejected as rejected:
        messages.error(request, rejected.message)
    else:
        messages.success(request, _("Rolled back: %(count)d channel(s) moved back.") % {"count": len(events)})
    target = first.from_agent or first.to_agent
    if target is None:
        return redirect("agents:list")
    return redirect("agents:versions", agent_id=target.public_id)


@require_GET
def channel_history(request, channel_id):
    channel = get_for_org(request, Channel.objects.select_related("agent"), Perm.BUILD, public_id=channel_id)
    events = channel.swap_events.select_related("from_agent", "to_agent", "actor").order_by("-created_at", "-id")
    reverted = set(
        SwapEvent.objects.filter(organization=request.organization, reverts_batch_id__isnull=False).values_list(
            "reverts_batch_id", flat=True
        )
    )
    return render(
        request,
        "agents/bluegreen/history.html",
        {"channel": channel, "events": events, "reverted": reverted, "swap_kind": SwapKind},
    )


@require_POST
def canary(request, channel_id):
    channel = get_for_org(request, Channel.objects.select_related("agent", "organization"), Perm.BUILD, public_id=channel_id)
    if channel.kind not in SWAPPABLE_KINDS:
        raise Http404(_("Playground channels have no canary."))
    candidates = Agent.objects.filter(organization=request.organization, family_id=channel.agent.family_id).exclude(
        pk=channel.agent_id
    )
    form = CanaryForm(request.POST, candidates=candidates)
    if not form.is_valid():
        errors = "; ".join(f"{form.fields[name].label}: {' '.join(errs)}" for name, errs in form.errors.items())
        messages.error(request, _("The canary was not changed: %(errors)s") % {"errors": errors})
        return redirect("agents:versions", agent_id=channel.agent.public_id)
    candidate = candidates.get(public_id=form.cleaned_data["candidate"])
    percent = form.cleaned_data["percent"]
    try:
        set_canary(channel, candidate, percent, actor=request.user, request=request)
    except CanaryRejected as rejected:
        messages.error(request, str(rejected))
    else:
        if percent:
            messages.success(
                request,
                _("%(percent)d%% of new conversations on “%(channel)s” now go to “%(name)s”.")
                % {"percent": percent, "channel": channel.name, "name": candidate.name},
            )
        else:
            messages.success(request, _("Canary stopped on “%(channel)s”.") % {"channel": channel.name})
    return redirect("agents:versions", agent_id=channel.agent.public_id)
