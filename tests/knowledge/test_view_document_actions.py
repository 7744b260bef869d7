"""Retry, re-process enrichment and delete on one document."""

import uuid

import pytest
from django.urls import reverse

from knowledge.models import Chunk, Document
from knowledge.pipeline import process_document
from orgs.models import AuditEvent

pytestmark = pytest.mark.django_db
ACTIONS = ["knowledge:retry", "knowledge:reprocess", "knowledge:document_delete"]


@pytest.fixture
def failed(ingest):
    return ingest("bad.pdf", b"%PDF-1.4 broken")


def test_retry_queues_failed_document(client_for, failed):
    response = client_for("builder").post(reverse("knowledge:retry", args=[failed.public_id]))

    failed.refresh_from_db()
    assert response.status_code == 302
    assert failed.status == Document.Status.QUEUED
    assert failed.attempts == 0
    assert failed.status_reason == ""


def test_retry_leaves_processing_document_alone(client_for, failed):
    Document.objects.filter(pk=failed.pk).update(status=Document.Status.EXTRACTING, progress=30)

    client_for("builder").post(reverse("knowledge:retry", args=[failed.public_id]))

    failed.refresh_from_db()
    assert failed.status == Document.Status.EXTRACTING
    assert failed.progress == 30


def test_reprocess_queues_and_audits(client_for, org, ingest):
    document = ingest("a.md", b"Hello")

    response = client_for("builder").post(reverse("knowledge:reprocess", args=[document.public_id]))

    document.refresh_from_db()
    assert response.status_code == 302
    assert document.status == Document.Status.QUEUED
    assert Chunk.objects.filter(document=document).count() == 1
    assert AuditEvent.objects.filter(organization=org, action="knowledge.enrichment_reprocessed").exists()


def test_delete_removes_document_chunks_and_file(client_for, ingest):
    document = ingest("a.md", b"Hello")
    storage, name = document.file.storage, document.file.name

    response = client_for("builder").post(reverse("knowledge:document_delete", args=[document.public_id]))

    assert response.status_code == 302
    assert not Document.objects.filter(pk=document.pk).exists()
    assert not Chunk.objects.filter(document_id=document.pk).exists()
    assert not storage.exists(name)


@pytest.mark.parametrize("action", ACTIONS)
def test_action_rejects_get(client_for, failed, action):
    assert client_for("builder").get(reverse(action, args=[failed.public_id])).status_code == 405


@pytest.mark.parametrize("action", ACTIONS)
def test_action_hidden_from_outsider(client_for, failed, action):
    assert client_for("outsider").post(reverse(action, args=[failed.public_id])).status_code == 404
    assert Document.objects.filter(pk=failed.pk, status=Document.Status.FAILED).exists()


@pytest.mark.parametrize("action", ACTIONS)
def test_action_forbidden_without_build(client_for, failed, action):
    assert client_for("support").post(reverse(action, args=[failed.public_id])).status_code == 403
    assert Document.objects.filter(pk=failed.pk, status=Document.Status.FAILED).exists()


@pytest.mark.parametrize("action", ACTIONS)
def test_action_unknown_id_404(client_for, action):
    assert client_for("builder").post(reverse(action, args=[uuid.uuid4()])).status_code == 404


def test_retry_reindexes_ready_document(client_for, ingest):
    document = ingest("warranty.md", b"# Warranty\n\nTwo years.\n")

    client_for("builder").post(reverse("knowledge:retry", args=[document.public_id]))
    status = process_document(document.pk)

    document.refresh_from_db()
    assert status == Document.Status.READY
    assert document.version == 2
    assert Chunk.objects.filter(document=document).count() == 1
