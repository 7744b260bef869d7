"""A unique canary secret goes through every key page, the chat API, logs, emails and tasks.

It may appear only in the reveal response, and the database contains it only as ciphertext.
"""

import datetime
import logging
import uuid

import pytest
from celery.app.task import Task
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from keys import reminders, resolver
from keys.models import ApiKey
from tests.agents.conftest import make_agent, make_token
from tests.fakes.fixtures import fake_openai  # noqa: F401

from .conftest import confirm_password


@pytest.fixture
def celery_calls(monkeypatch):
    """Record every task sent with apply_async or delay instead of sending it."""
    calls = []

    def record(self, args=None, kwargs=None, **options):
        calls.append((self.name, args, kwargs))

    monkeypatch.setattr(Task, "apply_async", record)
    return calls


def _database_text():
    """Return every value of every table as text, ciphertext columns included."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, (bytes, memoryview)):
                        chunks.append(bytes(value).decode("latin-1"))
                    else:
                        chunks.append(str(value))
    return "\n".join(chunks)


def test_canary_secret_only_in_reveal(client_for, client, org, members, settings, fake_openai, caplog, celery_calls):  # noqa: F811
    canary = f"sk-canary-{uuid.uuid4().hex}{uuid.uuid4().hex}"
    settings.OPENAI_BASE_URL = fake_openai.base_url
    caplog.set_level(logging.DEBUG)
    security = confirm_password(client_for("security"))
    responses = {}

    def visit(name, method, url, **extra):
        response = getattr(security, method)(url, **extra)
        assert response.status_code < 500, name
        responses[name] = response
        return response

    expiry = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    visit("add", "post", reverse("keys:add"), data={"provider": "openai", "label": "Canary", "secret": canary, "expires_on": expiry})
    api_key = ApiKey.objects.get(organization=org)
    key_id = api_key.public_id
    visit("add form", "get", reverse("keys:add"))
    visit("list", "get", reverse("keys:list"))
    visit("list htmx", "get", reverse("keys:list"), data={"sort": "-label", "status": "expiring_soon"}, HTTP_HX_REQUEST="true")
    visit("detail", "get", reverse("keys:detail", args=[key_id]))
    visit("edit form", "get", reverse("keys:edit", args=[key_id]))
    visit("edit", "post", reverse("keys:edit", args=[key_id]), data={"label": "Canary", "expires_on": expiry})
    visit("rotate form", "get", reverse("keys:rotate", args=[key_id]))
    visit("revoke form", "get", reverse("keys:revoke", args=[key_id]))
    visit("delete form", "get", reverse("keys:delete", args=[key_id]))
    visit("validate", "post", reverse("keys:validate", args=[key_id]), follow=True)
    visit("reveal page", "get", reverse("keys:reveal", args=[key_id]))
    reveal = security.post(reverse("keys:reveal_secret", args=[key_id]), HTTP_HX_REQUEST="true")
    visit("calendar token", "post", reverse("keys:calendar_token"))
    visit("dashboard", "get", reverse("dashboard"))
    visit("audit", "get", reverse("orgs:audit"))
    visit("audit export", "get", reverse("orgs:audit_export"))
    visit("openapi", "get", "/api/v1/openapi.json")

    agent = make_agent(org, provider="openai", strategy="byok", name="Canary agent")
    _channel, _token, token = make_token(agent)
    chat = client.post(
        f"/api/v1/agents/{agent.public_id}/chat",
        data={"message": "Hello?"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    responses["chat"] = chat
    assert fake_openai.key_of(fake_openai.requests_to("/chat/completions")[-1]) == canary
    visit("traces", "get", reverse("traces:list"))
    client_for("admin")
    visit("agent detail", "get", reverse("agents:detail", args=[agent.public_id]))

    reminders.send_expiry_reminders()
    resolver.report_provider_rejection(str(key_id), 401, detail=f"Incorrect API key provided: {canary}")
    visit("detail after rejection", "get", reverse("keys:detail", args=[key_id]))

    assert canary in reveal.content.decode()
    for name, response in responses.items():
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert canary not in body.decode("utf-8", "replace"), name
        assert canary not in str(response.headers), name
    assert canary not in caplog.text
    assert mail.outbox
    for message in mail.outbox:
        assert canary not in message.subject + message.body
    assert canary not in repr(celery_calls)
    assert canary not in _database_text()
