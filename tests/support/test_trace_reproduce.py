"""Reproducing a traced turn: who may, what is sent, and how it is billed."""

import uuid

import pytest
from django.urls import reverse

from agents.models import Reproduction
from orgs.models import AuditEvent
from usage import quotas
from usage.models import UsageEvent

from .conftest import HOSTED_CANARY


def reproduce_url(trace):
    return reverse("traces:reproduce", kwargs={"trace_id": trace.public_id})


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["support", "builder", "admin"])
def test_reproduce_hosted_turn(client_for, hosted_trace, hosted_openai, role):
    hosted_openai.reset()
    hosted_openai.answer_text = "Refunds take five working days."
    response = client_for(role).post(reproduce_url(hosted_trace))
    assert response.status_code == 302
    reproduction = Reproduction.objects.get(trace=hosted_trace)
    assert reproduction.result_text == "Refunds take five working days."
    assert reproduction.error_code == ""
    assert reproduction.billing_source == "hosted"
    assert f"reproduction={reproduction.public_id}" in response["Location"]


@pytest.mark.django_db
def test_reproduce_sends_stored_request(client_for, hosted_trace, hosted_openai):
    hosted_openai.reset()
    client_for("support").post(reproduce_url(hosted_trace))
    [request] = hosted_openai.requests_to("/chat/completions")
    body = request.json
    assert body["model"] == hosted_trace.request["model"]
    assert body["temperature"] == hosted_trace.request["temperature"]
    sent = [(m["role"], m["content"]) for m in body["messages"]]
    assert ("system", hosted_trace.request["system_prompt"]) in sent
    assert ("user", "How do refunds work?") in sent
    assert request.headers["authorization"] == f"Bearer {HOSTED_CANARY}"


@pytest.mark.django_db
def test_reproduce_shows_side_by_side_diff(client_for, hosted_trace, hosted_openai):
    hosted_openai.answer_text = "A completely new answer."
    client = client_for("support")
    response = client.post(reproduce_url(hosted_trace), HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<section class="card comparison" id="comparison"')
    assert "<ins>A completely new answer.</ins>" in page
    assert "<del>" in page
    assert "Original" in page
    assert "Reproduction" in page


@pytest.mark.django_db
def test_reproduce_records_support_usage_outside_quota(client_for, org, hosted_trace, hosted_openai):
    quota_before = quotas.remaining(org, quotas.QuotaKind.HOSTED_TOKENS)
    client_for("support").post(reproduce_url(hosted_trace))
    event = UsageEvent.objects.get(organization=org, purpose="support")
    assert event.billing_source == "hosted"
    assert event.counts_against_quota is False
    assert event.input_tokens == hosted_openai.input_tokens
    assert quotas.remaining(org, quotas.QuotaKind.HOSTED_TOKENS) == quota_before


@pytest.mark.django_db
def test_reproduce_byok_rejected_for_support(client_for, byok_trace, hosted_openai):
    hosted_openai.reset()
    for role in ("support", "builder"):
        response = client_for(role).post(reproduce_url(byok_trace))
        assert response.status_code == 403, role
        assert "cannot spend the customer's key" in response.content.decode()
    assert hosted_openai.requests == []
    assert not Reproduction.objects.exists()


@pytest.mark.django_db
def test_reproduce_byok_allowed_for_admin(client_for, org, byok_trace, hosted_openai, org_key_secret):
    hosted_openai.reset()
    response = client_for("admin").post(reproduce_url(byok_trace))
    assert response.status_code == 302
    reproduction = Reproduction.objects.get(trace=byok_trace)
    assert reproduction.billing_source == "byok"
    [request] = hosted_openai.requests_to("/chat/completions")
    assert request.headers["authorization"] == f"Bearer {org_key_secret}"
    event = UsageEvent.objects.get(organization=org, purpose="support")
    assert event.billing_source == "byok"
    assert event.key_id == str(byok_trace.credential_key_id)


@pytest.mark.django_db
def test_reproduce_provider_error_is_stored_redacted(client_for, hosted_trace, hosted_openai):
    hosted_openai.fail(500)
    client_for("support").post(reproduce_url(hosted_trace))
    reproduction = Reproduction.objects.get(trace=hosted_trace)
    assert reproduction.error_code
    assert HOSTED_CANARY not in reproduction.error_message
    page = client_for("support").get(reverse("traces:detail", kwargs={"trace_id": hosted_trace.public_id})).content.decode()
    assert reproduction.error_code in page
    assert HOSTED_CANARY not in page


@pytest.mark.django_db
def test_reproduce_refused_credential_makes_no_call(client_for, hosted_trace, hosted_openai, settings):
    hosted_openai.reset()
    settings.HOSTED_OPENAI_API_KEY = ""
    client_for("support").post(reproduce_url(hosted_trace))
    reproduction = Reproduction.objects.get(trace=hosted_trace)
    assert reproduction.error_code == "hosted_not_configured"
    assert hosted_openai.requests == []


@pytest.mark.django_db
def test_reproduce_is_audited(client_for, org, hosted_trace):
    client_for("support").post(reproduce_url(hosted_trace))
    event = AuditEvent.objects.get(organization=org, action="trace.reproduced")
    assert event.target_id == str(hosted_trace.public_id)


@pytest.mark.django_db
def test_reproduce_wrong_method_405(client_for, hosted_trace):
    assert client_for("support").get(reproduce_url(hosted_trace)).status_code == 405


@pytest.mark.django_db
def test_reproduce_outsider_404(client_for, hosted_trace):
    assert client_for("outsider").post(reproduce_url(hosted_trace)).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["security", "finance"])
def test_reproduce_without_permission_403(client_for, hosted_trace, role):
    assert client_for(role).post(reproduce_url(hosted_trace)).status_code == 403


@pytest.mark.django_db
def test_reproduce_bad_id_404(client_for):
    url = reverse("traces:reproduce", kwargs={"trace_id": uuid.uuid4()})
    assert client_for("support").post(url).status_code == 404
