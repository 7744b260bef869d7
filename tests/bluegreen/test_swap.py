"""Swapping channels between agents: the gate, overrides, rollback and the swap views."""

import pytest

from agents.bluegreen.clone import clone_agent
from agents.bluegreen.runs import create_run, execute_run
from agents.bluegreen.swap import SwapRejected, rollback_batch, swap_channels
from agents.models import Channel, RegressionRun, SwapEvent
from agents.models.agents import ChannelKind
from agents.models.golden import RunStatus
from orgs.models import AuditEvent

from .conftest import make_agent

pytestmark = pytest.mark.django_db


def finished_run(agent, passed, total=3):
    """Store a finished run with the given pass count, without asking any question."""
    from django.utils import timezone

    return RegressionRun.objects.create(
        organization=agent.organization,
        agent=agent,
        provider=agent.provider,
        model_id=agent.model_id,
        status=RunStatus.FINISHED,
        total=total,
        completed=total,
        passed=passed,
        finished_at=timezone.now(),
    )


@pytest.fixture
def candidate(agent):
    return clone_agent(agent)


def test_swap_allowed_with_equal_pass_count(agent, candidate, api_channel, widget_channel, members):
    finished_run(agent, passed=2)
    finished_run(candidate, passed=2)

    events = swap_channels(candidate, [api_channel.public_id, widget_channel.public_id], actor=members["builder"])

    api_channel.refresh_from_db()
    widget_channel.refresh_from_db()
    assert api_channel.agent_id == candidate.pk
    assert widget_channel.agent_id == candidate.pk
    assert len(events) == 2
    assert len({event.batch_id for event in events}) == 1
    assert events[0].gate["passed"] is True
    assert events[0].gate["candidate_passed"] == 2
    audit = AuditEvent.objects.get(action="agent.swap")
    assert audit.target_id == str(candidate.public_id)
    assert audit.details["gate_passed"] is True


def test_swap_rejected_with_fewer_passes(agent, candidate, api_channel):
    finished_run(agent, passed=3)
    finished_run(candidate, passed=2)

    with pytest.raises(SwapRejected, match="fewer than the 3"):
        swap_channels(candidate, [api_channel.public_id])

    api_channel.refresh_from_db()
    assert api_channel.agent_id == agent.pk
    assert not SwapEvent.objects.exists()
    assert not AuditEvent.objects.filter(action="agent.swap").exists()


def test_swap_rejected_without_candidate_run(agent, candidate, api_channel):
    finished_run(agent, passed=0)

    with pytest.raises(SwapRejected, match="no finished regression run"):
        swap_channels(candidate, [api_channel.public_id])


def test_swap_uses_latest_finished_run(agent, candidate, api_channel):
    finished_run(agent, passed=1)
    finished_run(candidate, passed=3)
    finished_run(candidate, passed=0)

    with pytest.raises(SwapRejected):
        swap_channels(candidate, [api_channel.public_id])


def test_swap_override_requires_permission(agent, candidate, api_channel):
    finished_run(agent, passed=3)
    finished_run(candidate, passed=1)

    with pytest.raises(SwapRejected) as raised:
        swap_channels(candidate, [api_channel.public_id], override_reason="Old model is being retired today.")

    assert raised.value.status == 403
    api_channel.refresh_from_db()
    assert api_channel.agent_id == agent.pk


def test_swap_override_requires_real_reason(agent, candidate, api_channel):
    finished_run(agent, passed=3)

    with pytest.raises(SwapRejected, match="too short") as raised:
        swap_channels(candidate, [api_channel.public_id], override_reason="ok", can_override=True)

    assert raised.value.status == 400
    assert not SwapEvent.objects.exists()


def test_swap_override_with_reason_is_audited(agent, candidate, api_channel, members):
    finished_run(agent, passed=3)
    finished_run(candidate, passed=1)
    reason = "The old model is retired by the provider tonight."

    events = swap_channels(
        candidate, [api_channel.public_id], actor=members["admin"], override_reason=reason, can_override=True
    )

    api_channel.refresh_from_db()
    assert api_channel.agent_id == candidate.pk
    assert events[0].override_reason == reason
    assert events[0].gate["passed"] is False
    audit = AuditEvent.objects.get(action="agent.swap")
    assert audit.details["override_reason"] == reason
    assert audit.details["gate_passed"] is False


@pytest.mark.parametrize("who", ["live", "candidate"])
def test_swap_rejected_while_run_in_progress(agent, candidate, api_channel, questions, who):
    finished_run(agent, passed=1)
    finished_run(candidate, passed=3)
    create_run(agent if who == "live" else candidate)

    with pytest.raises(SwapRejected, match="still in progress"):
        swap_channels(candidate, [api_channel.public_id], override_reason="Urgent fix for a customer.", can_override=True)

    api_channel.refresh_from_db()
    assert api_channel.agent_id == agent.pk


def test_swap_rejects_channel_of_other_organization(agent, candidate, other_org):
    stranger = make_agent(other_org, name="Stranger")
    foreign = Channel.objects.create(organization=other_org, agent=stranger, kind=ChannelKind.API, name="Foreign")
    finished_run(agent, passed=0)
    finished_run(candidate, passed=0)

    with pytest.raises(SwapRejected) as raised:
        swap_channels(candidate, [foreign.public_id])

    assert raised.value.status == 404
    foreign.refresh_from_db()
    assert foreign.agent_id == stranger.pk


def test_swap_rejects_other_family_and_keeps_all(org, agent, candidate, api_channel):
    unrelated = make_agent(org, name="Sales bot")
    other_channel = Channel.objects.create(organization=org, agent=unrelated, kind=ChannelKind.API, name="Sales API")
    finished_run(agent, passed=0)
    finished_run(candidate, passed=0)

    with pytest.raises(SwapRejected, match="another agent family"):
        swap_channels(candidate, [api_channel.public_id, other_channel.public_id])

    api_channel.refresh_from_db()
    assert api_channel.agent_id == agent.pk


def test_swap_rejects_playground_channel(agent, candidate):
    playground = Channel.objects.create(organization=agent.organization, agent=agent, kind=ChannelKind.PLAYGROUND, name="P")
    finished_run(agent, passed=0)
    finished_run(candidate, passed=0)

    with pytest.raises(SwapRejected, match="playground"):
        swap_channels(candidate, [playground.public_id])


def test_rollback_moves_channels_back(agent, candidate, api_channel, widget_channel, members):
    finished_run(agent, passed=1)
    finished_run(candidate, passed=1)
    events = swap_channels(candidate, [api_channel.public_id, widget_channel.public_id])

    rollbacks = rollback_batch(agent.organization, events[0].batch_id, actor=members["builder"])

    api_channel.refresh_from_db()
    widget_channel.refresh_from_db()
    assert api_channel.agent_id == agent.pk
    assert widget_channel.agent_id == agent.pk
    assert len(rollbacks) == 2
    assert all(event.kind == "rollback" for event in rollbacks)
    assert AuditEvent.objects.filter(action="agent.rollback").count() == 1
    with pytest.raises(SwapRejected, match="already been rolled back"):
        rollback_batch(agent.organization, events[0].batch_id)


def test_rollback_leaves_later_swaps_alone(agent, candidate, api_channel):
    third = clone_agent(agent)
    for member in (agent, candidate, third):
        finished_run(member, passed=1)
    first = swap_channels(candidate, [api_channel.public_id])
    swap_channels(third, [api_channel.public_id])

    with pytest.raises(SwapRejected, match="Nothing to roll back"):
        rollback_batch(agent.organization, first[0].batch_id)

    api_channel.refresh_from_db()
    assert api_channel.agent_id == third.pk


def test_swap_view_moves_traffic(client_for, agent, candidate, api_channel):
    finished_run(agent, passed=1)
    finished_run(candidate, passed=1)

    response = client_for("builder").post(f"/agents/{candidate.public_id}/swap/", {"channels": [str(api_channel.public_id)]})

    assert response.status_code == 302
    api_channel.refresh_from_db()
    assert api_channel.agent_id == candidate.pk


def test_swap_view_shows_gate_error(client_for, agent, candidate, api_channel):
    finished_run(agent, passed=2)
    finished_run(candidate, passed=1)

    response = client_for("builder").post(f"/agents/{candidate.public_id}/swap/", {"channels": [str(api_channel.public_id)]})

    assert response.status_code == 409
    assert "fewer than the 2" in response.content.decode()
    api_channel.refresh_from_db()
    assert api_channel.agent_id == agent.pk


def test_swap_view_builder_cannot_override(client_for, agent, candidate, api_channel):
    finished_run(agent, passed=2)
    finished_run(candidate, passed=1)

    response = client_for("builder").post(
        f"/agents/{candidate.public_id}/swap/",
        {"channels": [str(api_channel.public_id)], "override_reason": "Trust me, this is fine now."},
    )

    assert response.status_code == 403
    api_channel.refresh_from_db()
    assert api_channel.agent_id == agent.pk


def test_swap_view_admin_override(client_for, agent, candidate, api_channel):
    finished_run(agent, passed=2)
    finished_run(candidate, passed=1)

    page = client_for("admin").get(f"/agents/{candidate.public_id}/swap/")
    response = client_for("admin").post(
        f"/agents/{candidate.public_id}/swap/",
        {"channels": [str(api_channel.public_id)], "override_reason": "Provider retires the old model tonight."},
    )

    assert 'name="override_reason"' in page.content.decode()
    assert response.status_code == 302
    api_channel.refresh_from_db()
    assert api_channel.agent_id == candidate.pk


def test_swap_view_get_lists_channels(client_for, agent, candidate, api_channel):
    response = client_for("builder").get(f"/agents/{candidate.public_id}/swap/")

    body = response.content.decode()
    assert response.status_code == 200
    assert str(api_channel.public_id) in body
    assert 'name="override_reason"' not in body


def test_swap_view_wrong_method(client_for, candidate):
    assert client_for("builder").put(f"/agents/{candidate.public_id}/swap/").status_code == 405


def test_swap_view_outsider_404(client_for, candidate, api_channel):
    response = client_for("outsider").post(f"/agents/{candidate.public_id}/swap/", {"channels": [str(api_channel.public_id)]})
    assert response.status_code == 404


def test_swap_view_without_permission_403(client_for, candidate):
    assert client_for("support").get(f"/agents/{candidate.public_id}/swap/").status_code == 403


def test_swap_view_bad_id_404(client_for, agent):
    assert client_for("builder").get("/agents/00000000-0000-0000-0000-000000000000/swap/").status_code == 404


def test_rollback_view(client_for, agent, candidate, api_channel):
    finished_run(agent, passed=1)
    finished_run(candidate, passed=1)
    events = swap_channels(candidate, [api_channel.public_id])

    response = client_for("builder").post(f"/agents/swaps/{events[0].batch_id}/rollback/")

    assert response.status_code == 302
    api_channel.refresh_from_db()
    assert api_channel.agent_id == agent.pk


def test_rollback_view_wrong_method(client_for, agent):
    assert client_for("builder").get("/agents/swaps/00000000-0000-0000-0000-000000000000/rollback/").status_code == 405


def test_rollback_view_outsider_404(client_for, agent, candidate, api_channel):
    finished_run(agent, passed=1)
    finished_run(candidate, passed=1)
    events = swap_channels(candidate, [api_channel.public_id])

    assert client_for("outsider").post(f"/agents/swaps/{events[0].batch_id}/rollback/").status_code == 404
    api_channel.refresh_from_db()
    assert api_channel.agent_id == candidate.pk


def test_rollback_view_without_permission_403(client_for, agent):
    assert client_for("finance").post("/agents/swaps/00000000-0000-0000-0000-000000000000/rollback/").status_code == 403


def test_rollback_view_bad_id_404(client_for, agent):
    assert client_for("builder").post("/agents/swaps/00000000-0000-0000-0000-000000000000/rollback/").status_code == 404


def test_history_view_lists_swaps_and_rollbacks(client_for, agent, candidate, api_channel):
    finished_run(agent, passed=1)
    finished_run(candidate, passed=1)
    events = swap_channels(candidate, [api_channel.public_id])
    rollback_batch(agent.organization, events[0].batch_id)

    response = client_for("builder").get(f"/agents/channels/{api_channel.public_id}/history/")

    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("<tr>") == 3  # header row, the swap and the rollback
    assert "Rolled back" in body


def test_history_view_wrong_method(client_for, api_channel):
    assert client_for("builder").post(f"/agents/channels/{api_channel.public_id}/history/").status_code == 405


def test_history_view_outsider_404(client_for, api_channel):
    assert client_for("outsider").get(f"/agents/channels/{api_channel.public_id}/history/").status_code == 404


def test_history_view_without_permission_403(client_for, api_channel):
    assert client_for("support").get(f"/agents/channels/{api_channel.public_id}/history/").status_code == 403


def test_history_view_bad_id_404(client_for, agent):
    assert client_for("builder").get("/agents/channels/00000000-0000-0000-0000-000000000000/history/").status_code == 404


def test_versions_view_lists_family(client_for, agent, candidate, api_channel, questions):
    execute_run(create_run(agent).pk)

    response = client_for("builder").get(f"/agents/{candidate.public_id}/versions/")

    body = response.content.decode()
    assert response.status_code == 200
    assert agent.name in body
    assert candidate.name in body
    assert "3/3 passed" in body
    assert "Website API" in body


def test_versions_view_wrong_method(client_for, agent):
    assert client_for("builder").post(f"/agents/{agent.public_id}/versions/").status_code == 405


def test_versions_view_outsider_404(client_for, agent):
    assert client_for("outsider").get(f"/agents/{agent.public_id}/versions/").status_code == 404


def test_versions_view_without_permission_403(client_for, agent):
    assert client_for("security").get(f"/agents/{agent.public_id}/versions/").status_code == 403


def test_versions_view_bad_id_404(client_for, agent):
    assert client_for("builder").get("/agents/00000000-0000-0000-0000-000000000000/versions/").status_code == 404


def test_swap_ignores_run_of_previous_model(agent, candidate, api_channel):
    finished_run(agent, passed=1)
    finished_run(candidate, passed=3)
    candidate.model_id = "extractive-v2"
    candidate.save()

    with pytest.raises(SwapRejected, match="no finished regression run with its current model"):
        swap_channels(candidate, [api_channel.public_id])


def test_versions_view_offers_rollback_of_latest_swap_only(client_for, agent, candidate, api_channel):
    third = clone_agent(agent)
    for member in (agent, candidate, third):
        finished_run(member, passed=1)
    first = swap_channels(candidate, [api_channel.public_id])
    second = swap_channels(third, [api_channel.public_id])

    versions = client_for("builder").get(f"/agents/{agent.public_id}/versions/").content.decode()
    history = client_for("builder").get(f"/agents/channels/{api_channel.public_id}/history/").content.decode()

    assert f"/agents/swaps/{second[0].batch_id}/rollback/" in versions
    assert f"/agents/swaps/{first[0].batch_id}/rollback/" not in versions
    assert "Superseded" in versions
    assert history.count("/rollback/") == 1


def test_swap_not_blocked_by_stale_run(agent, candidate, api_channel, questions, settings):
    from datetime import timedelta

    from django.utils import timezone

    finished_run(agent, passed=1)
    finished_run(candidate, passed=1)
    stale = create_run(candidate)
    RegressionRun.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(minutes=settings.BLUEGREEN_RUN_TIMEOUT_MINUTES + 1))

    swap_channels(candidate, [api_channel.public_id])

    api_channel.refresh_from_db()
    assert api_channel.agent_id == candidate.pk
