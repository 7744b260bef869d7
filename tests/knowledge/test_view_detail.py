"""The page of one knowledge base, its documents table and its htmx fragment."""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from knowledge.messages import StoredMessage, stored_lines
from knowledge.models import Crawl, Document

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


def test_detail_shows_failure_reason_in_chinese(client_for, ingest, knowledge_base):
    ingest("empty.txt", b"")
    client = client_for("builder")
    client.cookies["django_language"] = "zh-hans"

    response = client.get(url(knowledge_base))

    assert "文件为空。" in response.text
    assert "The file is empty." not in response.text


def test_detail_shows_crawl_result_in_chinese(client_for, org, knowledge_base):
    summary = StoredMessage(
        "%(fetched)s pages fetched, %(changed)s new or changed, %(blocked)s excluded by robots.txt, %(errors)s errors.",
        fetched=3, changed=2, blocked=1, errors=1,
    )
    error = StoredMessage("The server answered HTTP %(status)s for %(url)s.", status=500, url="https://site.example/b")
    failed_page = StoredMessage("%(url)s: %(error)s", url="https://site.example/b", error=error)
    text, data = stored_lines([summary, failed_page], max_length=500)
    Crawl.objects.create(
        organization=org, knowledge_base=knowledge_base, start_url="https://site.example/",
        last_started_at=timezone.now(), last_finished_at=timezone.now(), last_result=text, last_result_messages=data,
    )
    client = client_for("builder")
    client.cookies["django_language"] = "zh-hans"

    response = client.get(url(knowledge_base))

    assert "已抓取 3 个页面，2 个新增或有变化，1 个被 robots.txt 排除，1 个错误。" in response.text
    assert "https://site.example/b：服务器对 https://site.example/b 返回了 HTTP 500。" in response.text
    assert "pages fetched" not in response.text


def test_detail_rejects_post(client_for, knowledge_base):
    assert client_for("builder").post(url(knowledge_base)).status_code == 405


def test_detail_hidden_from_outsider(client_for, knowledge_base):
    assert client_for("outsider").get(url(knowledge_base)).status_code == 404


def test_detail_forbidden_without_build(client_for, knowledge_base):
    assert client_for("support").get(url(knowledge_base)).status_code == 403


def test_detail_unknown_id_404(client_for):
    response = client_for("builder").get(reverse("knowledge:detail", args=[uuid.uuid4()]))

    assert response.status_code == 404
