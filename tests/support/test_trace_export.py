"""The redacted JSON export of a conversation."""

import json
import uuid

import pytest
from django.urls import reverse

from agents.models import Message, Trace
from agents.traces.export import redact_text
from orgs.models import AuditEvent

from .conftest import HOSTED_CANARY, make_channel, run_turn


def export_url(trace):
    return reverse("traces:export", kwargs={"trace_id": trace.public_id})


@pytest.mark.django_db
def test_export_bundles_every_turn(client_for, hosted_openai, hosted_agent):
    channel = make_channel(hosted_agent)
    first = run_turn(hosted_agent, "First question?", channel=channel)
    second = run_turn(hosted_agent, "Second question?", channel=channel, conversation=first.conversation)
    response = client_for("support").get(export_url(second.trace))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert f'filename="trace-{first.conversation.public_id}.json"' in response["Content-Disposition"]
    bundle = json.loads(response.content)
    assert bundle["conversation_id"] == str(first.conversation.public_id)
    assert [item["trace_id"] for item in bundle["traces"]] == [str(first.trace.public_id), str(second.trace.public_id)]
    assert [item["content"] for item in bundle["messages"] if item["role"] == "user"] == ["First question?", "Second question?"]
    assert bundle["traces"][0]["request"]["model"] == hosted_agent.model_id


@pytest.mark.django_db
def test_export_failed_first_turn_alone(client_for, failed_trace):
    bundle = json.loads(client_for("support").get(export_url(failed_trace)).content)
    assert bundle["conversation_id"] is None
    assert [item["trace_id"] for item in bundle["traces"]] == [str(failed_trace.public_id)]
    assert bundle["traces"][0]["error_code"] == failed_trace.error_code


@pytest.mark.django_db
def test_export_has_no_canary_secret(client_for, hosted_openai, hosted_agent, byok_trace, org_key_secret):
    # A customer pasted both secrets and an email into a message; the trace stores it as typed.
    result = run_turn(hosted_agent, f"My keys are {HOSTED_CANARY} and {org_key_secret}, mail me at jo@example.com")
    hosted_openai.fail(500)
    failed = run_turn(hosted_agent, "Again?", conversation=result.conversation).trace
    for trace in (result.trace, failed, byok_trace):
        text = client_for("admin").get(export_url(trace)).content.decode()
        assert HOSTED_CANARY not in text
        assert org_key_secret not in text
        assert "jo@example.com" not in text
    bundle = json.loads(client_for("admin").get(export_url(result.trace)).content)
    assert "[redacted secret]" in bundle["messages"][0]["content"]
    assert "[redacted email]" in bundle["messages"][0]["content"]


@pytest.mark.django_db
def test_export_leaves_ids_intact():
    key_id = str(uuid.uuid4())
    assert redact_text(f"key {key_id}") == f"key {key_id}"


@pytest.mark.django_db
def test_export_is_audited(client_for, org, hosted_trace):
    client_for("builder").get(export_url(hosted_trace))
    event = AuditEvent.objects.get(organization=org, action="trace.exported")
    assert event.target_id == str(hosted_trace.public_id)


@pytest.mark.django_db
def test_export_wrong_method_405(client_for, hosted_trace):
    assert client_for("support").post(export_url(hosted_trace)).status_code == 405


@pytest.mark.django_db
def test_export_outsider_404(client_for, hosted_trace):
    assert client_for("outsider").get(export_url(hosted_trace)).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["security", "finance"])
def test_export_without_permission_403(client_for, hosted_trace, role):
    assert client_for(role).get(export_url(hosted_trace)).status_code == 403


@pytest.mark.django_db
def test_export_bad_id_404(client_for):
    url = reverse("traces:export", kwargs={"trace_id": uuid.uuid4()})
    assert client_for("support").get(url).status_code == 404


@pytest.mark.django_db
def test_export_keeps_stored_rows(client_for, hosted_trace):
    before = (Trace.objects.count(), Message.objects.count())
    client_for("support").get(export_url(hosted_trace))
    assert (Trace.objects.count(), Message.objects.count()) == before
