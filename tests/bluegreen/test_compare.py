"""The side-by-side comparison page."""

import pytest

from agents.bluegreen.clone import clone_agent
from agents.bluegreen.runs import create_run, execute_run

pytestmark = pytest.mark.django_db


def test_compare_highlights_differences(client_for, agent, api_channel, questions, handbook):
    candidate = clone_agent(agent)
    candidate.knowledge_bases.clear()  # the candidate cannot quote the handbook, so it fails
    execute_run(create_run(agent).pk)
    execute_run(create_run(candidate).pk)

    response = client_for("builder").get(f"/agents/{candidate.public_id}/compare/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "3/3" in body
    assert "0/3" in body
    assert body.count('class="compare-row differs"') == 3
    assert "Rotterdam" in body


def test_compare_picks_requested_agent(client_for, agent, api_channel):
    candidate = clone_agent(agent)
    third = clone_agent(agent)

    response = client_for("builder").get(f"/agents/{candidate.public_id}/compare/?live={third.public_id}")

    assert response.status_code == 200
    assert response.context["live"] == third


def test_compare_without_clone_offers_clone(client_for, agent):
    response = client_for("builder").get(f"/agents/{agent.public_id}/compare/")

    assert response.status_code == 200
    assert "Nothing to compare yet" in response.content.decode()


def test_compare_wrong_method(client_for, agent):
    assert client_for("builder").post(f"/agents/{agent.public_id}/compare/").status_code == 405


def test_compare_outsider_404(client_for, agent):
    assert client_for("outsider").get(f"/agents/{agent.public_id}/compare/").status_code == 404


def test_compare_without_permission_403(client_for, agent):
    assert client_for("support").get(f"/agents/{agent.public_id}/compare/").status_code == 403


def test_compare_bad_id_404(client_for, agent):
    assert client_for("builder").get("/agents/00000000-0000-0000-0000-000000000000/compare/").status_code == 404
