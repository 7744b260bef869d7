"""Regression runs: answer every golden question of a family with one agent and check the answers.

Each question goes through the chat pipeline with purpose "eval", so credential resolution,
quotas, traces and usage work exactly as for chat, and the usage is reported as evaluation.
"""

import logging
import statistics
from dataclasses import dataclass
from decimal import Decimal

from datetime import timedelta

from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from keys.resolver import Purpose
from usage.catalog import estimate_cost

from ..chat import ChatError, prepare_turn
from ..models import Agent, GoldenQuestion, RegressionResult, RegressionRun
from ..models.golden import ACTIVE_RUN_STATUSES, RunStatus

logger = logging.getLogger(__name__)


class RunRejected(Exception):
    """A run that cannot start; the message names the reason."""


def family_questions(agent):
    return GoldenQuestion.objects.filter(organization_id=agent.organization_id, family_id=agent.family_id)


def expire_stale_runs(agents):
    """Mark queued or running runs older than BLUEGREEN_RUN_TIMEOUT_MINUTES as failed.

    A run whose task never started (no worker, broker down) or whose worker died would
    otherwise block new runs and swaps of its agent for ever.
    """
    cutoff = timezone.now() - timedelta(minutes=settings.BLUEGREEN_RUN_TIMEOUT_MINUTES)
    stale = RegressionRun.objects.filter(agent__in=agents, status__in=ACTIVE_RUN_STATUSES, created_at__lt=cutoff)
    expired = stale.update(
        status=RunStatus.FAILED,
        finished_at=timezone.now(),
        error=f"Timed out: not finished within {settings.BLUEGREEN_RUN_TIMEOUT_MINUTES} minutes. Start a new run.",
    )
    if expired:
        logger.warning("Marked %d stale regression run(s) failed for agents %s", expired, [agent.pk for agent in agents])
    return expired


def active_run(agents):
    """Return a queued or running run of any of agents, or None, after expiring stale runs."""
    expire_stale_runs(agents)
    return RegressionRun.objects.filter(agent__in=agents, status__in=ACTIVE_RUN_STATUSES).first()


def latest_finished_run(agent, current_model_only=False):
    """Return agent's latest finished run; with current_model_only, only one of its current model."""
    runs = RegressionRun.objects.filter(agent=agent, status=RunStatus.FINISHED)
    if current_model_only:
        # NOTE: only the model is compared; a run made before a prompt edit still counts.
        runs = runs.filter(provider=agent.provider, model_id=agent.model_id)
    return runs.order_by("-finished_at", "-id").first()


@transaction.atomic
def create_run(agent, started_by=None) -> RegressionRun:
    """Create a queued run of agent's golden questions, or raise RunRejected."""
    # Lock the agent row so two clicks cannot queue two runs of the same agent.
    Agent.objects.select_for_update().filter(pk=agent.pk).first()
    if active_run([agent]) is not None:
        raise RunRejected(_("A regression run of this agent is already in progress: wait for it to finish."))
    total = family_questions(agent).count()
    if total == 0:
        raise RunRejected(_("This agent family has no golden questions yet: add or import some first."))
    return RegressionRun.objects.create(
        organization_id=agent.organization_id,
        agent=agent,
        provider=agent.provider,
        model_id=agent.model_id,
        total=total,
        started_by=started_by,
    )


def check_answer(question, answer: str, citations: list) -> list[dict]:
    """Return one {"kind", "value", "passed"} entry per check of question against an answer."""
    lowered = answer.lower()
    checks = []
    for phrase in question.must_contain:
        checks.append({"kind": "contains", "value": phrase, "passed": phrase.lower() in lowered})
    for phrase in question.must_not_contain:
        checks.append({"kind": "not_contains", "value": phrase, "passed": phrase.lower() not in lowered})
    if question.expected_document:
        expected = question.expected_document.lower()
        cited = any(
            expected in (citation.get("label") or "").lower() or expected in (citation.get("url") or "").lower()
            for citation in citations
        )
        checks.append({"kind": "cites", "value": question.expected_document, "passed": cited})
    return checks


async def answer_question(agent, question_text, run):
    """Answer one question through the chat pipeline; return (TurnResult or None, ChatError or None)."""
    try:
        turn = await prepare_turn(agent, None, question_text, visitor_ref=f"eval:{run.public_id}", purpose=Purpose.EVAL)
    except ChatError as failure:
        return None, failure
    result = await turn.complete()
    return result, result.error


def run_question(run, agent, question) -> RegressionResult:
    """Answer question with agent, check the answer and store the result."""
    result, failure = async_to_sync(answer_question)(agent, question.question, run)
    answer = result.answer if result is not None else ""
    citations = result.citations if result is not None else []
    checks = check_answer(question, answer, citations)
    passed = failure is None and all(check["passed"] for check in checks)
    fields = {
        "run": run,
        "question": question,
        "question_text": question.question,
        "answer": answer,
        "passed": passed,
        "checks": checks,
        "citations": citations,
        "error_code": failure.code if failure is not None else "",
        "error_message": failure.message if failure is not None else "",
    }
    if result is not None:
        fields.update(
            latency_ms=result.latency_ms,
            input_tokens=result.input_tokens,
            output_tokens=result.output_tokens,
            billing_source=result.billing_source,
            cost=estimate_cost(agent.provider, agent.model_id, result.input_tokens, result.output_tokens),
        )
    return RegressionResult.objects.create(**fields)


def execute_run(run_id: int) -> RegressionRun | None:
    """Answer every golden question of a queued run, updating its progress after each one."""
    run = RegressionRun.objects.select_related("agent__organization__plan").filter(pk=run_id).first()
    if run is None or run.status != RunStatus.QUEUED:
        logger.warning("Regression run %s not started: it is missing or not queued", run_id)
        return run
    agent = run.agent
    questions = list(family_questions(agent).order_by("created_at", "id"))
    RegressionRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, started_at=timezone.now(), total=len(questions))
    try:
        for question in questions:
            result = run_question(run, agent, question)
            RegressionRun.objects.filter(pk=run.pk).update(
                completed=F("completed") + 1, passed=F("passed") + (1 if result.passed else 0)
            )
    except Exception as error:
        logger.exception("Regression run %s of agent %s failed", run.public_id, agent.public_id)
        RegressionRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, finished_at=timezone.now(), error=f"{type(error).__name__}: {error}"[:1000]
        )
        raise
    # A run expired as stale meanwhile stays failed: its pass count may be incomplete.
    RegressionRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        status=RunStatus.FINISHED, finished_at=timezone.now()
    )
    run.refresh_from_db()
    return run


@dataclass
class RunTotals:
    """Summary figures of a run for the comparison page."""

    answered: int
    passed: int
    pass_rate: float
    p50_latency_ms: int | None
    cost_per_answer: Decimal | None


def run_totals(run, results) -> RunTotals:
    answered = len(results)
    passed = sum(1 for result in results if result.passed)
    latencies = [result.latency_ms for result in results if result.latency_ms is not None]
    costs = [result.cost for result in results if not result.error_code]
    return RunTotals(
        answered=answered,
        passed=passed,
        pass_rate=(100.0 * passed / answered) if answered else 0.0,
        p50_latency_ms=int(statistics.median(latencies)) if latencies else None,
        cost_per_answer=(sum(costs, Decimal(0)) / len(costs)) if costs else None,
    )
