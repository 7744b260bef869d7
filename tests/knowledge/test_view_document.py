"""The page of one document: status, enrichments and indexed passages."""

import uuid

import pytest
from django.urls import reverse

from knowledge.models import Enrichment

from .conftest import make_document

pytestmark = pytest.mark.django_db


def url(document):
    return reverse("knowledge:document", args=[document.public_id])


def test_document_shows_passages_and_enrichment(client_for, ingest):
    document = ingest("guide.md", b"# Setup\n\nPlug in the router.")
    Enrichment.objects.create(
        document=document, asset="photo.png", kind="image", billing_source="skipped", status="skipped",
        reason="The Starter plan has no hosted models.",
    )

    response = client_for("builder").get(url(document))

    assert response.status_code == 200
    assert "Plug in the router." in response.text
    assert "The Starter plan has no hosted models." in response.text
    assert "Re-process enrichment" in response.text


def test_document_shows_billed_by_google(client_for, ingest):
    document = ingest("guide.md", b"Text")
    Enrichment.objects.create(
        document=document, asset="photo.png", kind="image", billing_source="org_google", status="done", text="A cat."
    )

    response = client_for("builder").get(url(document))

    assert "Billed by Google" in response.text
    assert "A cat." in response.text


def test_document_status_fragment_polls_while_processing(client_for, knowledge_base):
    document = make_document(knowledge_base, "a.txt", b"Hello")

    response = client_for("builder").get(url(document), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="document-status")

    assert response.text.lstrip().startswith('<div class="card" id="document-status"')
    assert 'hx-trigger="every 2s"' in response.text


def test_document_rejects_post(client_for, ingest):
    assert client_for("builder").post(url(ingest("a.md", b"Hi"))).status_code == 405


def test_document_hidden_from_outsider(client_for, ingest):
    assert client_for("outsider").get(url(ingest("a.md", b"Hi"))).status_code == 404


def test_document_forbidden_without_build(client_for, ingest):
    assert client_for("support").get(url(ingest("a.md", b"Hi"))).status_code == 403


def test_document_unknown_id_404(client_for):
    assert client_for("builder").get(reverse("knowledge:document", args=[uuid.uuid4()])).status_code == 404
