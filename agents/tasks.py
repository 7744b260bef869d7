"""Periodic work for agents: trace retention."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .models import Trace

logger = logging.getLogger(__name__)


@shared_task
def purge_old_traces():
    """Delete traces older than TRACE_RETENTION_DAYS and return how many were deleted."""
    cutoff = timezone.now() - timedelta(days=settings.TRACE_RETENTION_DAYS)
    deleted, _ = Trace.objects.filter(created_at__lt=cutoff).delete()
    logger.info("Purged %d traces created before %s", deleted, cutoff.isoformat())
    return deleted
