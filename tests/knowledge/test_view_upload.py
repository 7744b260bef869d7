"""Uploading files to a knowledge base."""

import hashlib
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from knowledge.models import Document, KnowledgeBase
from knowledge.pipeline import process_document
from knowledge.search import search

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


WARRANTY = b"# Warranty\n\nEvery kettle is covered for two years from the date of purchase.\n"


def test_upload_skips_copy_of_stored_document(client_for, knowledge_base):
    existing = make_document(knowledge_base, "warranty.md", WARRANTY, sha256=hashlib.sha256(WARRANTY).hexdigest())
    client = client_for("builder")

    response = client.post(url(knowledge_base), {"files": [upload("warranty.md", WARRANTY)]}, follow=True)

    assert Document.objects.filter(knowledge_base=knowledge_base).count() == 1
    assert "warranty.md is already in this knowledge base as" in response.text
    assert f'href="{existing.get_absolute_url()}"' in response.text
    assert "Delete that document first to upload it again." in response.text
    assert "queued for processing" not in response.text


def test_upload_copy_message_in_chinese(client_for, knowledge_base):
    make_document(knowledge_base, "warranty.md", WARRANTY, sha256=hashlib.sha256(WARRANTY).hexdigest())
    client = client_for("builder")
    client.cookies["django_language"] = "zh-hans"

    response = client.post(url(knowledge_base), {"files": [upload("保修.md", WARRANTY)]}, follow=True)

    assert "保修.md 已作为" in response.text
    assert "如需重新上传，请先删除该文档。" in response.text
    assert Document.objects.filter(knowledge_base=knowledge_base).count() == 1


def test_upload_keeps_other_files_beside_copy(client_for, knowledge_base):
    make_document(knowledge_base, "warranty.md", WARRANTY, sha256=hashlib.sha256(WARRANTY).hexdigest())
    files = [upload("warranty.md", WARRANTY), upload("returns.md", b"# Returns\n\nReturn within 30 days.\n")]

    response = client_for("builder").post(url(knowledge_base), {"files": files}, follow=True)

    titles = sorted(Document.objects.filter(knowledge_base=knowledge_base).values_list("title", flat=True))
    assert titles == ["returns.md", "warranty.md"]
    assert "1 file queued for processing." in response.text
    assert "warranty.md is already in this knowledge base" in response.text


def test_upload_stores_one_of_two_identical_files(client_for, knowledge_base):
    files = [upload("a.md", WARRANTY), upload("b.md", WARRANTY)]

    response = client_for("builder").post(url(knowledge_base), {"files": files}, follow=True)

    assert list(Document.objects.filter(knowledge_base=knowledge_base).values_list("title", flat=True)) == ["a.md"]
    assert "b.md has the same content as a.md in this upload" in response.text


def test_upload_twice_then_search_once(client_for, org, knowledge_base):
    client = client_for("builder")
    client.post(url(knowledge_base), {"files": [upload("warranty.md", WARRANTY)]})
    first = Document.objects.get(knowledge_base=knowledge_base)
    process_document(first.pk)

    client.post(url(knowledge_base), {"files": [upload("warranty.md", WARRANTY)]})

    assert Document.objects.filter(knowledge_base=knowledge_base).count() == 1
    assert Document.objects.get().sha256 == hashlib.sha256(WARRANTY).hexdigest()
    assert len(search(org, [knowledge_base.pk], "kettle warranty")) == 1


def test_upload_accepts_different_file(client_for, knowledge_base):
    make_document(knowledge_base, "warranty.md", WARRANTY, sha256=hashlib.sha256(WARRANTY).hexdigest())

    response = client_for("builder").post(url(knowledge_base), {"files": [upload("warranty.md", WARRANTY + b"\n")]})

    assert response.status_code == 302
    assert Document.objects.filter(knowledge_base=knowledge_base).count() == 2


def test_upload_accepts_copy_of_failed_document(client_for, knowledge_base):
    make_document(
        knowledge_base,
        "warranty.md",
        WARRANTY,
        sha256=hashlib.sha256(WARRANTY).hexdigest(),
        status=Document.Status.FAILED,
    )

    response = client_for("builder").post(url(knowledge_base), {"files": [upload("warranty.md", WARRANTY)]})

    assert response.status_code == 302
    assert Document.objects.filter(knowledge_base=knowledge_base).count() == 2


def test_upload_accepts_copy_in_other_base(client_for, org, knowledge_base):
    other = KnowledgeBase.objects.create(organization=org, name="Other")
    make_document(other, "warranty.md", WARRANTY, sha256=hashlib.sha256(WARRANTY).hexdigest())

    client_for("builder").post(url(knowledge_base), {"files": [upload("warranty.md", WARRANTY)]})

    assert Document.objects.filter(knowledge_base=knowledge_base).count() == 1


def test_upload_copy_not_counted_against_quota(client_for, knowledge_base, settings):
    settings.KNOWLEDGE_STORAGE_QUOTA_MB = 1
    data = b"x" * (700 * 1024)
    make_document(knowledge_base, "big.txt", data, sha256=hashlib.sha256(data).hexdigest())

    response = client_for("builder").post(url(knowledge_base), {"files": [upload("big.txt", data)]})

    assert response.status_code == 302
    assert Document.objects.count() == 1
