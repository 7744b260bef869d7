"""The page of one knowledge base, its documents table and its htmx fragment."""

import uuid

import pytest
from django.urls import reverse

from knowledge.models import Document

from .conftest import make_document

pytestmark = pytest.mark.django_db


def url(base):
    return reverse("knowledge:detail", args=[base.public_id])


def test_detail_lists_documents_and_forms(client_for, ingest, knowledge_base):
    ingest("guide.md", b"# Guide\n\nAlpacas are calm.")

    response = client_for("builder").get(url(knowledge_base))

    assert response.status_code == 200
    assert "guide.md" in response.text
    assert "Ready" in response.text
    assert 'enctype="multipart/form-data"' in response.text
    assert 'hx-trigger="every' not in response.text


def test_detail_polls_while_processing(client_for, knowledge_base):
    make_document(knowledge_base, "queued.txt", b"Waiting")

    response = client_for("builder").get(url(knowledge_base))

    assert 'hx-trigger="every 2s"' in response.text
    assert 'role="progressbar"' in response.text


def test_detail_fragment_renders_only_table(client_for, knowledge_base):
    make_document(knowledge_base, "queued.txt", b"Waiting")

    response = client_for("builder").get(
        url(knowledge_base), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="documents"
    )

    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="documents"')
    assert "<html" not in response.text


def test_detail_search_shows_citation(client_for, ingest, knowledge_base):
    ingest("guide.md", b"# Animals\n\nAlpacas are calm.")

    response = client_for("builder").get(url(knowledge_base), {"q": "alpacas"})

    assert "guide.md › Animals" in response.text


def test_detail_shows_failure_reason(client_for, ingest, knowledge_base):
    document = ingest("empty.txt", b"")

    response = client_for("builder").get(url(knowledge_base))

    assert document.status == Document.Status.FAILED
    assert "The file is empty." in response.text


def test_detail_rejects_post(client_for, knowledge_base):
    assert client_for("builder").post(url(knowledge_base)).status_code == 405


def test_detail_hidden_from_outsider(client_for, knowledge_base):
    assert client_for("outsider").get(url(knowledge_base)).status_code == 404


def test_detail_forbidden_without_build(client_for, knowledge_base):
    assert client_for("support").get(url(knowledge_base)).status_code == 403


def test_detail_unknown_id_404(client_for):
    response = client_for("builder").get(reverse("knowledge:detail", args=[uuid.uuid4()]))

    assert response.status_code == 404
