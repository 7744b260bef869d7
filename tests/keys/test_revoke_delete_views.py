from django.urls import reverse

from agents.models import Agent
from keys.models import ApiKey, KeyStatus
from keys.resolver import Purpose, Reason, Strategy, resolve
from orgs.models import AuditEvent

from .helpers import make_key


def _agent(org, **fields):
    values = {"name": "Helper", "provider": "openai", "model_id": "gpt-5-mini", "strategy": "byok", **fields}
    return Agent.objects.create(organization=org, **values)


def test_revoke_confirm_then_post(client_for, org, api_key):
    client = client_for("security")
    url = reverse("keys:revoke", args=[api_key.public_id])

    assert client.get(url).status_code == 200
    response = client.post(url)

    api_key.refresh_from_db()
    assert response.status_code == 302
    assert api_key.status == KeyStatus.REVOKED
    assert AuditEvent.objects.filter(action="key.revoked").count() == 1
    assert resolve(org, purpose=Purpose.CHAT, provider="openai", strategy=Strategy.BYOK).reason == Reason.KEY_REVOKED
    client.post(url)
    assert AuditEvent.objects.filter(action="key.revoked").count() == 1


def test_delete_blocked_while_agent_uses_key(client_for, org, api_key):
    agent = _agent(org, name="Support bot")
    url = reverse("keys:delete", args=[api_key.public_id])

    page = client_for("admin").get(url)
    response = client_for("admin").post(url)

    assert "Support bot" in page.content.decode()
    assert response.status_code == 409
    assert ApiKey.objects.filter(pk=api_key.pk).exists()
    agent.delete()


def test_delete_blocked_by_pinned_agent(client_for, org, api_key):
    make_key(org, label="Newer default")
    _agent(org, name="Pinned bot", pinned_key_id=api_key.public_id)

    response = client_for("admin").post(reverse("keys:delete", args=[api_key.public_id]))

    assert response.status_code == 409
    assert "Pinned bot" in response.content.decode()


def test_delete_unused_key(client_for, org, api_key):
    _agent(org, name="Hosted bot", strategy="hosted")

    response = client_for("security").post(reverse("keys:delete", args=[api_key.public_id]))

    assert response.status_code == 302
    assert not ApiKey.objects.filter(pk=api_key.pk).exists()
    event = AuditEvent.objects.get(action="key.deleted")
    assert event.target_id == str(api_key.public_id)


def test_list_counts_agents(client_for, org, api_key):
    _agent(org, name="A")
    _agent(org, name="B", pinned_key_id=api_key.public_id)

    response = client_for("security").get(reverse("keys:list"))

    table = response.context["table"]
    assert table.agent_counts[api_key.pk] == 2
