"""Regression runs: checks, usage with purpose eval, and the run views."""

import pytest

from agents.bluegreen.runs import RunRejected, check_answer, create_run, execute_run
from agents.models import GoldenQuestion, RegressionRun
from agents.models.golden import RunStatus
from usage.models import UsageEvent

from .conftest import add_questions

pytestmark = pytest.mark.django_db


def test_check_answer_reports_each_check():
    question = GoldenQuestion(
        question="q", must_contain=["Reset Link", "missing"], must_not_contain=["fax"], expected_document="handbook"
    )

    checks = check_answer(question, "We email a reset link.", [{"label": "handbook.md › Password reset", "url": ""}])

    assert checks == [
        {"kind": "contains", "value": "Reset Link", "passed": True},
        {"kind": "contains", "value": "missing", "passed": False},
        {"kind": "not_contains", "value": "fax", "passed": True},
        {"kind": "cites", "value": "handbook", "passed": True},
    ]


def test_check_answer_fails_forbidden_phrase_and_missing_citation():
    question = GoldenQuestion(question="q", must_contain=[], must_not_contain=["FAX"], expected_document="pricing")

    checks = check_answer(question, "Send us a fax.", [{"label": "handbook.md", "url": "/knowledge/1"}])

    assert [check["passed"] for check in checks] == [False, False]


def test_execute_run_answers_every_question(agent, questions):
    add_questions(agent, [("What is the capital of Mars?", ["Olympus"], [])])
    run = create_run(agent)

    run = execute_run(run.pk)

    assert run.status == RunStatus.FINISHED
    assert run.total == 4
    assert run.completed == 4
    assert run.passed == 3
    results = list(run.results.order_by("id"))
    assert [result.passed for result in results] == [True, True, True, False]
    assert "Rotterdam" in results[1].answer
    assert results[0].citations
    assert all(result.latency_ms is not None for result in results)
    assert all(result.billing_source == "hosted" for result in results)
    assert run.started_at is not None
    assert run.finished_at is not None


def test_execute_run_records_usage_as_eval(agent, questions):
    run = create_run(agent)

    execute_run(run.pk)

    events = UsageEvent.objects.filter(organization=agent.organization)
    assert events.count() == 3
    assert set(events.values_list("purpose", flat=True)) == {"eval"}
    assert set(events.values_list("agent_id", flat=True)) == {str(agent.public_id)}


def test_execute_run_stores_refusal_as_failed_result(org, agent, questions):
    # An own-key agent without any organization key is refused before any provider call.
    agent.provider, agent.model_id, agent.strategy = "openai", "gpt-4o-mini", "byok"
    agent.save()
    run = create_run(agent)

    run = execute_run(run.pk)

    assert run.status == RunStatus.FINISHED
    assert run.passed == 0
    result = run.results.first()
    assert result.error_code
    assert result.answer == ""


def test_create_run_rejects_second_active_run(agent, questions):
    create_run(agent)

    with pytest.raises(RunRejected, match="already in progress"):
        create_run(agent)
    assert RegressionRun.objects.count() == 1


def test_create_run_rejects_family_without_questions(agent):
    with pytest.raises(RunRejected, match="no golden questions"):
        create_run(agent)


def test_execute_run_ignores_finished_run(agent, questions):
    run = create_run(agent)
    execute_run(run.pk)

    again = execute_run(run.pk)

    assert again.completed == 3
    assert again.results.count() == 3


def test_run_start_view_queues_run(client_for, agent, questions, django_capture_on_commit_callbacks, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from config.celery import app

    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for("builder").post(f"/agents/{agent.public_id}/runs/")
    finally:
        app.conf.task_always_eager = False

    run = RegressionRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/agents/{agent.public_id}/runs/{run.public_id}/"
    run.refresh_from_db()
    assert run.status == RunStatus.FINISHED
    assert run.passed == 3


def test_run_start_without_questions_shows_error(client_for, agent):
    response = client_for("builder").post(f"/agents/{agent.public_id}/runs/", follow=True)

    assert RegressionRun.objects.count() == 0
    assert "no golden questions" in response.content.decode()


def test_run_start_wrong_method(client_for, agent):
    assert client_for("builder").get(f"/agents/{agent.public_id}/runs/").status_code == 405


def test_run_start_outsider_404(client_for, agent, questions):
    assert client_for("outsider").post(f"/agents/{agent.public_id}/runs/").status_code == 404
    assert RegressionRun.objects.count() == 0


def test_run_start_without_permission_403(client_for, agent, questions):
    assert client_for("finance").post(f"/agents/{agent.public_id}/runs/").status_code == 403


def test_run_start_bad_id_404(client_for, agent):
    assert client_for("builder").post("/agents/00000000-0000-0000-0000-000000000000/runs/").status_code == 404


def test_run_detail_shows_results(client_for, agent, questions):
    run = execute_run(create_run(agent).pk)

    response = client_for("builder").get(f"/agents/{agent.public_id}/runs/{run.public_id}/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "How do I reset my password?" in body
    assert "Rotterdam" in body
    assert "100%" in body


def test_run_detail_polls_while_running(client_for, agent, questions):
    run = create_run(agent)

    response = client_for("builder").get(f"/agents/{agent.public_id}/runs/{run.public_id}/", HTTP_HX_REQUEST="true")

    body = response.content.decode()
    assert response.status_code == 200
    assert 'hx-trigger="every 1s"' in body
    assert "<html" not in body


def test_run_detail_wrong_method(client_for, agent, questions):
    run = create_run(agent)
    assert client_for("builder").post(f"/agents/{agent.public_id}/runs/{run.public_id}/").status_code == 405


def test_run_detail_outsider_404(client_for, agent, questions):
    run = create_run(agent)
    assert client_for("outsider").get(f"/agents/{agent.public_id}/runs/{run.public_id}/").status_code == 404


def test_run_detail_without_permission_403(client_for, agent, questions):
    run = create_run(agent)
    assert client_for("support").get(f"/agents/{agent.public_id}/runs/{run.public_id}/").status_code == 403


def test_run_detail_bad_id_404(client_for, agent):
    assert client_for("builder").get(f"/agents/{agent.public_id}/runs/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_stale_run_expires_and_unblocks(agent, questions, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.BLUEGREEN_RUN_TIMEOUT_MINUTES = 30
    stale = create_run(agent)
    RegressionRun.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(minutes=31))

    fresh = create_run(agent)

    stale.refresh_from_db()
    assert stale.status == RunStatus.FAILED
    assert "Timed out" in stale.error
    assert fresh.status == RunStatus.QUEUED
