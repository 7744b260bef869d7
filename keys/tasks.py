"""Celery tasks of the keys app. They take no arguments, so no secret can travel in a message."""

import logging

from celery import shared_task

from . import reminders, services

logger = logging.getLogger(__name__)


@shared_task(name="keys.tasks.send_expiry_reminders")
def send_expiry_reminders():
    sent = reminders.send_expiry_reminders()
    if sent:
        logger.info("Key expiry reminders handled: %s", sent)
    return {str(threshold): count for threshold, count in sent.items()}


@shared_task(name="keys.tasks.purge_retired_versions")
def purge_retired_versions():
    destroyed = services.purge_retired_versions()
    if destroyed:
        logger.info("Destroyed the ciphertext of %s retired key versions", destroyed)
    return destroyed
