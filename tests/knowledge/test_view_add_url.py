"""Adding one web page to a knowledge base."""

import uuid

import pytest
from django.urls import reverse

from knowledge.models import Document

pytestmark = pytest.mark.django_db


def url(base):
    return reverse("knowledge:add_url", args=[base.public_id])


def test_add_url_queues_page(client_for, knowledge_base):
    response = client_for("builder").post(url(knowledge_base), {"url": "https://docs.example.com/returns"})

    document = Document.objects.get(knowledge_base=knowledge_base)
    assert response.status_code == 302
    assert document.source == Document.Source.URL
    assert document.url == "https://docs.example.com/returns"
    assert document.status == Document.Status.QUEUED


@pytest.mark.parametrize("value", ["ftp://files.example.com/a", "not a url", ""])
def test_add_url_rejects_invalid_address(client_for, knowledge_base, value):
    response = client_for("builder").post(url(knowledge_base), {"url": value})

    assert response.status_code == 400
    assert not Document.objects.exists()


def test_add_url_rejects_get(client_for, knowledge_base):
    assert client_for("builder").get(url(knowledge_base)).status_code == 405


def test_add_url_hidden_from_outsider(client_for, knowledge_base):
    assert client_for("outsider").post(url(knowledge_base), {"url": "https://a.example/"}).status_code == 404


def test_add_url_forbidden_without_build(client_for, knowledge_base):
    assert client_for("support").post(url(knowledge_base), {"url": "https://a.example/"}).status_code == 403


def test_add_url_unknown_base_404(client_for):
    assert client_for("builder").post(reverse("knowledge:add_url", args=[uuid.uuid4()])).status_code == 404
