"""Uploading files to a knowledge base."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from knowledge.models import Document

from .conftest import make_document
from .media import png_bytes, text_pdf_bytes

pytestmark = pytest.mark.django_db


def url(base):
    return reverse("knowledge:upload", args=[base.public_id])


def upload(name, data):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def test_upload_queues_each_file(client_for, knowledge_base, django_capture_on_commit_callbacks, monkeypatch):
    from knowledge import tasks

    sent = []
    monkeypatch.setattr(tasks.ingest_document, "delay", sent.append)
    files = [upload("a.pdf", text_pdf_bytes(["A"])), upload("b.png", png_bytes())]

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("builder").post(url(knowledge_base), {"files": files})

    documents = Document.objects.filter(knowledge_base=knowledge_base).order_by("title")
    assert response.status_code == 302
    assert [document.title for document in documents] == ["a.pdf", "b.png"]
    assert all(document.status == Document.Status.QUEUED for document in documents)
    assert sorted(sent) == sorted(document.pk for document in documents)
    assert str(knowledge_base.organization.public_id) in documents[0].file.name


def test_upload_accepts_empty_file_for_a_clear_failure(client_for, knowledge_base):
    response = client_for("builder").post(url(knowledge_base), {"files": [upload("empty.txt", b"")]})

    assert response.status_code == 302
    assert Document.objects.get(knowledge_base=knowledge_base).size == 0


def test_upload_rejects_oversized_file(client_for, knowledge_base, settings):
    settings.KNOWLEDGE_MAX_UPLOAD_MB = 1

    response = client_for("builder").post(url(knowledge_base), {"files": [upload("big.txt", b"x" * (1024 * 1024 + 1))]})

    assert response.status_code == 400
    assert "big.txt" in response.text
    assert "larger than the limit of 1 MB" in response.text
    assert not Document.objects.exists()


def test_upload_rejects_when_storage_quota_full(client_for, knowledge_base, settings):
    settings.KNOWLEDGE_STORAGE_QUOTA_MB = 1
    existing = make_document(knowledge_base, "old.txt", b"x" * 1000)
    Document.objects.filter(pk=existing.pk).update(size=1024 * 1024 - 10)

    response = client_for("builder").post(url(knowledge_base), {"files": [upload("new.txt", b"y" * 100)]})

    assert response.status_code == 400
    assert "storage is free" in response.text
    assert Document.objects.count() == 1


def test_upload_without_files_shows_error(client_for, knowledge_base):
    response = client_for("builder").post(url(knowledge_base), {})

    assert response.status_code == 400
    assert "Choose at least one file" in response.text


def test_upload_rejects_get(client_for, knowledge_base):
    assert client_for("builder").get(url(knowledge_base)).status_code == 405


def test_upload_hidden_from_outsider(client_for, knowledge_base):
    response = client_for("outsider").post(url(knowledge_base), {"files": [upload("a.txt", b"a")]})

    assert response.status_code == 404
    assert not Document.objects.exists()


def test_upload_forbidden_without_build(client_for, knowledge_base):
    response = client_for("support").post(url(knowledge_base), {"files": [upload("a.txt", b"a")]})

    assert response.status_code == 403
    assert not Document.objects.exists()


def test_upload_unknown_base_404(client_for):
    response = client_for("builder").post(reverse("knowledge:upload", args=[uuid.uuid4()]), {})

    assert response.status_code == 404
