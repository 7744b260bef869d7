"""Celery tasks: the watchdog and the scheduled re-crawl."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from knowledge.models import Crawl, Document
from knowledge.tasks import recrawl_due, watchdog

from .conftest import make_document

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch):
    """Record the task messages that would go to the broker."""
    from knowledge import tasks

    messages = []
    monkeypatch.setattr(tasks.ingest_document, "delay", lambda pk: messages.append(("ingest", pk)))
    monkeypatch.setattr(tasks.crawl_site, "delay", lambda pk: messages.append(("crawl", pk)))
    return messages


def stale(document, status, attempts, minutes=60):
    Document.objects.filter(pk=document.pk).update(
        status=status, attempts=attempts, heartbeat_at=timezone.now() - timedelta(minutes=minutes)
    )


def test_watchdog_requeues_stuck_document(knowledge_base, sent, django_capture_on_commit_callbacks):
    document = make_document(knowledge_base, "a.txt", b"Hello")
    stale(document, Document.Status.EXTRACTING, attempts=1)

    with django_capture_on_commit_callbacks(execute=True):
        result = watchdog()

    document.refresh_from_db()
    assert result == {"requeued": 1, "failed": 0}
    assert document.status == Document.Status.QUEUED
    assert sent == [("ingest", document.pk)]


def test_watchdog_fails_after_max_attempts(knowledge_base, sent, settings):
    settings.KNOWLEDGE_MAX_ATTEMPTS = 3
    document = make_document(knowledge_base, "a.txt", b"Hello")
    stale(document, Document.Status.INDEXING, attempts=3)

    assert watchdog() == {"requeued": 0, "failed": 1}

    document.refresh_from_db()
    assert document.status == Document.Status.FAILED
    assert "3 times" in document.status_reason
    with translation.override("zh-hans"):
        assert "3 次" in document.get_status_reason_display()
    assert sent == []


def test_watchdog_counts_lost_queued_messages(knowledge_base, sent, settings):
    settings.KNOWLEDGE_MAX_ATTEMPTS = 2
    document = make_document(knowledge_base, "a.txt", b"Hello")
    for _round in range(3):
        stale(document, Document.Status.QUEUED, attempts=Document.objects.get(pk=document.pk).attempts)
        watchdog()

    document.refresh_from_db()
    assert document.status == Document.Status.FAILED


def test_watchdog_ignores_fresh_and_finished_documents(knowledge_base, sent):
    fresh = make_document(knowledge_base, "fresh.txt", b"Hello")
    done = make_document(knowledge_base, "done.txt", b"Hello")
    stale(done, Document.Status.READY, attempts=1)

    assert watchdog() == {"requeued": 0, "failed": 0}
    fresh.refresh_from_db()
    assert fresh.status == Document.Status.QUEUED


def test_recrawl_due_starts_only_due_crawls(org, knowledge_base, sent):
    due = Crawl.objects.create(organization=org, knowledge_base=knowledge_base, start_url="https://a.example/", schedule="daily",
                               last_started_at=timezone.now() - timedelta(days=2))
    Crawl.objects.create(organization=org, knowledge_base=knowledge_base, start_url="https://b.example/", schedule="weekly",
                         last_started_at=timezone.now() - timedelta(days=2))
    Crawl.objects.create(organization=org, knowledge_base=knowledge_base, start_url="https://c.example/", schedule="never")

    assert recrawl_due() == 1
    assert sent == [("crawl", due.pk)]
