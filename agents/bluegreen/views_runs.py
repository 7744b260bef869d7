"""Regression runs: start one, follow its progress, and compare two agents side by side."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from orgs.permissions import Perm
from orgs.scoping import get_for_org

from ..models import Agent, RegressionRun
from ..tasks_bluegreen import run_regression
from .runs import RunRejected, create_run, latest_finished_run, run_totals
from .views_versions import family_agents, live_agent_of


@require_POST
def run_start(request, agent_id):
    agent = get_for_org(request, Agent, Perm.BUILD, public_id=agent_id)
    try:
        run = create_run(agent, started_by=request.user)
    except RunRejected as rejected:
        messages.error(request, str(rejected))
        return redirect("agents:versions", agent_id=agent.public_id)
    transaction.on_commit(lambda: run_regression.delay(run.pk))
    return redirect("agents:run_detail", agent_id=agent.public_id, run_id=run.public_id)


@require_GET
def run_detail(request, agent_id, run_id):
    agent = get_for_org(request, Agent, Perm.BUILD, public_id=agent_id)
    run = get_object_or_404(RegressionRun, organization=request.organization, agent=agent, public_id=run_id)
    results = list(run.results.all())
    context = {"agent": agent, "run": run, "results": results, "totals": run_totals(run, results)}
    template = "agents/bluegreen/run.html#progress" if request.htmx else "agents/bluegreen/run.html"
    return render(request, template, context)


def paired_rows(live_results, candidate_results):
    """Return one row per question with both results, in the candidate's order, then live-only ones."""
    live_by_question = {result.question_text: result for result in live_results}
    rows = []
    for result in candidate_results:
        live = live_by_question.pop(result.question_text, None)
        rows.append({"question": result.question_text, "live": live, "candidate": result, "differs": _differs(live, result)})
    for question, live in live_by_question.items():
        rows.append({"question": question, "live": live, "candidate": None, "differs": True})
    return rows


def _differs(live, candidate):
    if live is None or candidate is None:
        return True
    return live.passed != candidate.passed or live.answer.strip() != candidate.answer.strip()


@require_GET
def compare(request, agent_id):
    candidate = get_for_org(request, Agent, Perm.BUILD, public_id=agent_id)
    agents = [agent for agent in family_agents(candidate) if agent.pk != candidate.pk]
    live = None
    live_id = request.GET.get("live", "")
    if live_id:
        live = next((agent for agent in agents if str(agent.public_id) == live_id), None)
        if live is None:
            messages.error(request, _("No agent %(id)s exists in this agent's family.") % {"id": live_id})
    if live is None:
        live = live_agent_of(candidate)
    if live is None or live.pk == candidate.pk:
        live = agents[0] if agents else None

    live_run = latest_finished_run(live) if live is not None else None
    candidate_run = latest_finished_run(candidate)
    live_results = list(live_run.results.all()) if live_run else []
    candidate_results = list(candidate_run.results.all()) if candidate_run else []
    context = {
        "agent": candidate,
        "candidate": candidate,
        "live": live,
        "others": agents,
        "live_run": live_run,
        "candidate_run": candidate_run,
        "live_totals": run_totals(live_run, live_results) if live_run else None,
        "candidate_totals": run_totals(candidate_run, candidate_results) if candidate_run else None,
        "rows": paired_rows(live_results, candidate_results),
    }
    return render(request, "agents/bluegreen/compare.html", context)
