"""Deleting a knowledge base."""

import uuid

import pytest
from django.urls import reverse

from knowledge.models import Chunk, KnowledgeBase

pytestmark = pytest.mark.django_db


def url(base):
    return reverse("knowledge:delete", args=[base.public_id])


def test_delete_base_removes_documents(client_for, ingest, knowledge_base):
    ingest("a.md", b"Hello")

    response = client_for("builder").post(url(knowledge_base))

    assert response.status_code == 302
    assert not KnowledgeBase.objects.filter(pk=knowledge_base.pk).exists()
    assert not Chunk.objects.exists()


def test_delete_base_rejects_get(client_for, knowledge_base):
    assert client_for("builder").get(url(knowledge_base)).status_code == 405


def test_delete_base_hidden_from_outsider(client_for, knowledge_base):
    assert client_for("outsider").post(url(knowledge_base)).status_code == 404
    assert KnowledgeBase.objects.filter(pk=knowledge_base.pk).exists()


def test_delete_base_forbidden_without_build(client_for, knowledge_base):
    assert client_for("support").post(url(knowledge_base)).status_code == 403


def test_delete_base_unknown_id_404(client_for):
    assert client_for("builder").post(reverse("knowledge:delete", args=[uuid.uuid4()])).status_code == 404
