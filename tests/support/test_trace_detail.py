"""The trace detail page: what a turn shows, permissions, and that no secret appears."""

import uuid

import pytest
from django.urls import reverse

from agents.models import Trace

from .conftest import HOSTED_CANARY


def detail_url(trace):
    return reverse("traces:detail", kwargs={"trace_id": trace.public_id})


@pytest.mark.django_db
def test_detail_shows_request_and_outcome(client_for, hosted_trace, hosted_openai):
    Trace.objects.filter(pk=hosted_trace.pk).update(
        request={
            **hosted_trace.request,
            "passages": [{"text": "Refunds take 5 days.", "label": "Refund policy", "url": "", "score": 0.8123}],
        }
    )
    page = client_for("support").get(detail_url(hosted_trace)).content.decode()
    assert hosted_trace.model_id in page
    assert "You answer questions about Acme." in page
    assert "How do refunds work?" in page
    assert hosted_openai.answer_text in page
    assert "Refund policy" in page
    assert "0.812" in page
    assert f"{hosted_trace.input_tokens} / {hosted_trace.output_tokens}" in page
    assert "Plan (hosted)" in page


@pytest.mark.django_db
def test_detail_shows_typed_error(client_for, failed_trace):
    page = client_for("builder").get(detail_url(failed_trace)).content.decode()
    assert failed_trace.error_code
    assert failed_trace.error_code in page
    assert "Failed" in page


@pytest.mark.django_db
def test_detail_shows_key_id_and_fingerprint(client_for, byok_trace, org_key_secret):
    page = client_for("admin").get(detail_url(byok_trace)).content.decode()
    assert str(byok_trace.credential_key_id) in page
    assert f"…{org_key_secret[-4:]}" in page
    assert org_key_secret not in page


@pytest.mark.django_db
def test_detail_wrong_method_405(client_for, hosted_trace):
    assert client_for("support").post(detail_url(hosted_trace)).status_code == 405


@pytest.mark.django_db
def test_detail_outsider_404(client_for, hosted_trace):
    assert client_for("outsider").get(detail_url(hosted_trace)).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["security", "finance"])
def test_detail_without_permission_403(client_for, hosted_trace, role):
    assert client_for(role).get(detail_url(hosted_trace)).status_code == 403


@pytest.mark.django_db
def test_detail_bad_id_404(client_for):
    url = reverse("traces:detail", kwargs={"trace_id": uuid.uuid4()})
    assert client_for("support").get(url).status_code == 404


@pytest.mark.django_db
def test_detail_contains_no_hosted_key(client_for, failed_trace, hosted_openai):
    # The fake repeats the presented key in its error; the pipeline must have redacted it.
    assert hosted_openai.requests, "the failed turn should have reached the fake"
    for role in ("support", "builder", "admin"):
        page = client_for(role).get(detail_url(failed_trace)).content.decode()
        assert HOSTED_CANARY not in page, role
    trace = Trace.objects.get(pk=failed_trace.pk)
    assert HOSTED_CANARY not in str(trace.request) + trace.error_message + trace.response_text


@pytest.mark.django_db
def test_detail_byok_explains_support_cannot_reproduce(client_for, byok_trace):
    page = client_for("support").get(detail_url(byok_trace)).content.decode()
    assert "Support cannot spend the customer's key" in page
    assert reverse("traces:reproduce", kwargs={"trace_id": byok_trace.public_id}) not in page

    page = client_for("admin").get(detail_url(byok_trace)).content.decode()
    assert reverse("traces:reproduce", kwargs={"trace_id": byok_trace.public_id}) in page


@pytest.mark.django_db
def test_detail_links_only_http_passage_urls(client_for, hosted_trace):
    passages = [
        {"text": "a", "label": "Safe", "url": "https://docs.example/a", "score": 0.5},
        {"text": "b", "label": "Unsafe", "url": "javascript:alert(1)", "score": 0.4},
    ]
    Trace.objects.filter(pk=hosted_trace.pk).update(request={**hosted_trace.request, "passages": passages})
    page = client_for("support").get(detail_url(hosted_trace)).content.decode()
    assert 'href="https://docs.example/a"' in page
    assert 'href="javascript:' not in page
    assert "Unsafe" in page
