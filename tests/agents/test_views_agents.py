"""Agent pages: list, create, edit and detail with the routing explanation."""

import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from agents.models import Agent
from orgs.models import AuditEvent
from tests.agents.conftest import HOSTED_SECRETS, MODELS, host_provider, make_agent, make_org_key

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "name": "Support bot",
        "description": "",
        "strategy": "hosted",
        "model_choice": "extractive:extractive-v1",
        "system_prompt": "Be brief.",
        "temperature": "0.3",
        "max_output_tokens": "300",
        "department": " Support ",
    }
    data.update(overrides)
    return data


# --- list ---


def test_list_works(client_for, org):
    make_agent(org, name="Visible agent")

    response = client_for("builder").get("/agents/")

    assert response.status_code == 200
    assert "Visible agent" in response.content.decode()


def test_list_agent_link_loads_whole_page(client_for, org):
    agent = make_agent(org, name="Visible agent")

    response = client_for("builder").get("/agents/")

    # The boosted table would otherwise swap only "#agent-table" out of the detail page.
    anchors = re.findall(rf'<a [^>]*href="/agents/{agent.public_id}/"[^>]*>', response.content.decode())
    assert anchors
    assert all('hx-boost="false"' in anchor for anchor in anchors)


def test_list_htmx_renders_table_only(client_for, org):
    make_agent(org, name="Visible agent")

    response = client_for("builder").get("/agents/?sort=-name", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert "Visible agent" in response.content.decode()


def test_list_hides_other_orgs(client_for, org, other_org):
    make_agent(other_org, name="Foreign agent")

    response = client_for("builder").get("/agents/")

    assert "Foreign agent" not in response.content.decode()


def test_list_wrong_method_405(client_for):
    assert client_for("builder").post("/agents/").status_code == 405


def test_list_without_permission_403(client_for):
    assert client_for("finance").get("/agents/").status_code == 403


# --- create ---


def test_create_hosted_extractive(client_for, org):
    response = client_for("builder").post("/agents/new/", form_data())

    agent = Agent.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/agents/{agent.public_id}/"
    assert (agent.provider, agent.model_id, agent.strategy) == ("extractive", "extractive-v1", "hosted")
    assert agent.department == "Support"
    assert agent.organization == org
    assert AuditEvent.objects.filter(action="agent.created").exists()


def test_create_offers_only_configured_hosted(client_for, settings, fake_openai, catalog):
    host_provider(settings, "openai", fake_openai)

    page = client_for("builder").get("/agents/new/").content.decode()

    assert f"openai:{MODELS['openai']}" in page
    assert f"anthropic:{MODELS['anthropic']}" not in page
    assert "extractive:extractive-v1" in page


def test_create_rejects_model_of_other_strategy(client_for, settings, fake_openai, catalog):
    host_provider(settings, "openai", fake_openai)

    response = client_for("builder").post(
        "/agents/new/", form_data(strategy="byok", model_choice=f"openai:{MODELS['openai']}")
    )

    assert response.status_code == 200
    assert Agent.objects.count() == 0
    assert "errorlist" in response.content.decode()


def test_create_byok_offers_org_key_providers(client_for, org, catalog):
    make_org_key(org, provider="anthropic")

    page = client_for("builder").get("/agents/new/?strategy=byok").content.decode()

    assert f"anthropic:{MODELS['anthropic']}" in page
    assert f"openai:{MODELS['openai']}" not in page
    assert "extractive:extractive-v1" not in page


def test_create_byok_agent(client_for, org, catalog):
    api_key, _secret = make_org_key(org, provider="anthropic")

    response = client_for("builder").post(
        "/agents/new/",
        form_data(strategy="byok", model_choice=f"anthropic:{MODELS['anthropic']}", pinned_key=str(api_key.public_id)),
    )

    assert response.status_code == 302
    agent = Agent.objects.get()
    assert (agent.provider, agent.strategy, agent.pinned_key_id) == ("anthropic", "byok", api_key.public_id)


def test_create_rejects_pinned_key_of_other_provider(client_for, org, catalog):
    make_org_key(org, provider="anthropic")
    openai_key, _secret = make_org_key(org, provider="openai")

    response = client_for("builder").post(
        "/agents/new/",
        form_data(strategy="byok", model_choice=f"anthropic:{MODELS['anthropic']}", pinned_key=str(openai_key.public_id)),
    )

    assert response.status_code == 200
    assert Agent.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "   "), ("temperature", "3"), ("max_output_tokens", "0"), ("model_choice", "openai:nope")],
)
def test_create_rejects_bad_values(client_for, field, value):
    response = client_for("builder").post("/agents/new/", form_data(**{field: value}))

    assert response.status_code == 200
    assert Agent.objects.count() == 0
    assert "errorlist" in response.content.decode()


def test_create_byok_only_plan_rejects_hosted(client_for, org):
    org.plan.hosted_allowed = False
    org.plan.save()

    response = client_for("builder").post("/agents/new/", form_data())

    assert response.status_code == 200
    assert Agent.objects.count() == 0


def test_create_strategy_switch_htmx(client_for):
    response = client_for("builder").get("/agents/new/?strategy=byok", HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page
    assert 'id="agent-form"' in page
    assert "errorlist" not in page


def test_create_wrong_method_405(client_for):
    assert client_for("builder").put("/agents/new/").status_code == 405


def test_create_without_permission_403(client_for):
    assert client_for("support").get("/agents/new/").status_code == 403


# --- edit ---


def test_edit_works(client_for, org):
    agent = make_agent(org, provider="extractive", model_id="extractive-v1")

    response = client_for("builder").post(f"/agents/{agent.public_id}/edit/", form_data(name="Renamed"))

    agent.refresh_from_db()
    assert response.status_code == 302
    assert agent.name == "Renamed"
    assert AuditEvent.objects.filter(action="agent.updated").exists()


def test_edit_outsider_404(client_for, org):
    agent = make_agent(org)

    assert client_for("outsider").get(f"/agents/{agent.public_id}/edit/").status_code == 404


def test_edit_without_permission_403(client_for, org):
    agent = make_agent(org)

    assert client_for("security").get(f"/agents/{agent.public_id}/edit/").status_code == 403


def test_edit_bad_id_404(client_for):
    assert client_for("builder").get(f"/agents/{uuid.uuid4()}/edit/").status_code == 404


def test_edit_wrong_method_405(client_for, org):
    agent = make_agent(org)

    assert client_for("builder").delete(f"/agents/{agent.public_id}/edit/").status_code == 405


# --- detail ---


def test_detail_explains_hosted_routing(client_for, org, settings, fake_openai):
    host_provider(settings, "openai", fake_openai)
    agent = make_agent(org)

    page = client_for("builder").get(f"/agents/{agent.public_id}/").content.decode()

    assert "A chat call would run" in page
    assert "hosted" in page.lower()
    assert "left this period" in page
    assert HOSTED_SECRETS["openai"] not in page
    assert fake_openai.requests == []


def test_detail_explains_expired_key(client_for, org, fake_openai):
    api_key, secret = make_org_key(org, expires_at=timezone.now() - timedelta(days=2))
    agent = make_agent(org, strategy="byok")

    page = client_for("builder").get(f"/agents/{agent.public_id}/").content.decode()

    assert "would fail before reaching the provider" in page
    assert "LLM API Keys" in page
    assert secret not in page


def test_detail_explains_exhausted_quota(client_for, org, settings, fake_openai):
    host_provider(settings, "openai", fake_openai)
    org.plan.monthly_hosted_tokens = 10
    org.plan.save()
    agent = make_agent(org)

    page = client_for("builder").get(f"/agents/{agent.public_id}/").content.decode()

    assert "too little room" in page


def test_detail_byok_shows_key_not_secret(client_for, org, fake_openai):
    api_key, secret = make_org_key(org)
    agent = make_agent(org, strategy="byok")

    page = client_for("builder").get(f"/agents/{agent.public_id}/").content.decode()

    assert api_key.fingerprint in page
    assert secret not in page


def test_detail_outsider_404(client_for, org):
    agent = make_agent(org)

    assert client_for("outsider").get(f"/agents/{agent.public_id}/").status_code == 404


def test_detail_without_permission_403(client_for, org):
    agent = make_agent(org)

    assert client_for("finance").get(f"/agents/{agent.public_id}/").status_code == 403


def test_detail_bad_id_404(client_for):
    assert client_for("builder").get(f"/agents/{uuid.uuid4()}/").status_code == 404
    assert client_for("builder").get("/agents/not-a-uuid/").status_code == 404


def test_detail_wrong_method_405(client_for, org):
    agent = make_agent(org)

    assert client_for("builder").post(f"/agents/{agent.public_id}/").status_code == 405
