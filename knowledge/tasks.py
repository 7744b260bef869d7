"""Celery tasks of the knowledge app. Arguments are ids only, never file contents or secrets."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_noop

from .models import Crawl, Document
from .messages import StoredMessage
from .pipeline import process_document, queue_document, reason_values

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def ingest_document(document_id):
    """Run the ingestion pipeline for one queued document (a no-op if it is not queued)."""
    process_document(document_id)


@shared_task(acks_late=True, ignore_result=True)
def crawl_site(crawl_id):
    """Crawl one site and queue its pages for ingestion."""
    from .crawl import run_crawl

    run_crawl(crawl_id)


def find_stuck_documents(now=None):
    """Return the documents in a processing state whose last heartbeat is older than the timeout."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.KNOWLEDGE_TASK_TIMEOUT_SECONDS)
    return Document.objects.filter(
        status__in=Document.PROCESSING_STATUSES, heartbeat_at__lt=cutoff
    )


@shared_task(ignore_result=True)
def watchdog():
    """Re-queue documents whose worker died, or fail them after KNOWLEDGE_MAX_ATTEMPTS.

    A document that is still "queued" after the timeout (its message was lost) counts one
    attempt per re-queue too, so a missing worker ends in "failed" instead of "queued" forever.
    """
    requeued = failed = 0
    for document in find_stuck_documents():
        if document.attempts >= settings.KNOWLEDGE_MAX_ATTEMPTS:
            Document.objects.filter(pk=document.pk, status=document.status).update(
                status=Document.Status.FAILED,
                progress=100,
                **reason_values([
                    StoredMessage(
                        gettext_noop(
                            "Processing stopped %(attempts)s times without finishing. Check that the "
                            "background worker is running, then retry."
                        ),
                        attempts=document.attempts,
                    )
                ]),
                heartbeat_at=timezone.now(),
            )
            failed += 1
            continue
        if document.status == Document.Status.QUEUED:
            Document.objects.filter(pk=document.pk).update(attempts=document.attempts + 1)
        queue_document(document)
        requeued += 1
    if requeued or failed:
        logger.warning("Knowledge watchdog: %s documents re-queued, %s failed", requeued, failed)
    return {"requeued": requeued, "failed": failed}


@shared_task(ignore_result=True)
def recrawl_due():
    """Start the scheduled crawls whose last start is older than their schedule."""
    periods = {Crawl.Schedule.DAILY: timedelta(days=1), Crawl.Schedule.WEEKLY: timedelta(days=7)}
    started = 0
    for crawl in Crawl.objects.exclude(schedule=Crawl.Schedule.NEVER):
        due = crawl.last_started_at is None or crawl.last_started_at + periods[crawl.schedule] <= timezone.now()
        if due:
            crawl_site.delay(crawl.pk)
            started += 1
    return started
