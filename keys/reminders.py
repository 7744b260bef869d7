"""Expiry reminders (30, 7 and 1 days before) and the one-time "key.expired" record."""

import datetime
import logging
import math

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from orgs import audit
from orgs.permissions import KEY_ALERT_PERMISSION

from .models import EXPIRED_THRESHOLD, REMINDER_DAYS, ApiKey, KeyReminder, KeyStatus
from .services import audit_details

logger = logging.getLogger(__name__)


def current_threshold(api_key, now):
    """Return the reminder threshold the key has reached (30, 7, 1, or 0 once expired), or None."""
    if api_key.expires_at is None:
        return None
    if api_key.expires_at <= now:
        return EXPIRED_THRESHOLD
    remaining = api_key.expires_at - now
    reached = [days for days in REMINDER_DAYS if remaining <= datetime.timedelta(days=days)]
    return min(reached) if reached else None


def _whole_days_left(api_key, now) -> int:
    return math.ceil((api_key.expires_at - now) / datetime.timedelta(days=1))


def _send_reminder_email(api_key, days, recipients):
    context = {
        "api_key": api_key,
        "days": days,
        "expires_on": timezone.localtime(api_key.expires_at).date(),
        "organization": api_key.organization,
        "path": reverse("keys:detail", args=[api_key.public_id]),
    }
    for user in recipients:
        # NOTE: users have no stored language preference yet, so emails use LANGUAGE_CODE.
        with translation.override(None):
            subject = render_to_string("keys/email/reminder_subject.txt", context).strip()
            body = render_to_string("keys/email/reminder_body.txt", context)
        send_mail(subject, body, None, [user.email])


def record_expired(api_key) -> bool:
    """Record "key.expired" for the key's current expiry unless already recorded; return True if new."""
    try:
        with transaction.atomic():
            KeyReminder.objects.create(
                api_key=api_key, threshold_days=EXPIRED_THRESHOLD, expires_at=api_key.expires_at
            )
            audit.record(api_key.organization, "key.expired", target=api_key, details=audit_details(api_key))
    except IntegrityError:
        return False
    return True


def process_key(api_key, now):
    """Send the key's due reminder or record its expiry, at most once per threshold and expiry date.

    The unique KeyReminder row enforces "once". Returns the threshold handled, or None when
    nothing was due or it was already handled.
    """
    threshold = current_threshold(api_key, now)
    if threshold is None:
        return None
    if threshold == EXPIRED_THRESHOLD:
        return threshold if record_expired(api_key) else None
    try:
        with transaction.atomic():
            KeyReminder.objects.create(api_key=api_key, threshold_days=threshold, expires_at=api_key.expires_at)
            recipients = [user for user in api_key.organization.members_with(KEY_ALERT_PERMISSION) if user.email]
            _send_reminder_email(api_key, _whole_days_left(api_key, now), recipients)
            audit.record(
                api_key.organization,
                "key.reminder_sent",
                target=api_key,
                details=audit_details(api_key, days_before=threshold, recipients=len(recipients)),
            )
    except IntegrityError:
        return None  # already sent for this threshold and expiry date
    return threshold


def send_expiry_reminders(now=None) -> dict[int, int]:
    """Handle every active key that expires within the largest threshold; return {threshold: count}."""
    now = now or timezone.now()
    horizon = now + datetime.timedelta(days=max(REMINDER_DAYS))
    keys = ApiKey.objects.filter(
        status=KeyStatus.ACTIVE, expires_at__isnull=False, expires_at__lte=horizon
    ).select_related("organization")
    sent: dict[int, int] = {}
    for api_key in keys.iterator():
        try:
            threshold = process_key(api_key, now)
        except Exception:
            # A mail server error must not stop the reminders of other keys. The reminder
            # row was rolled back, so the next run tries this key again.
            logger.exception("Expiry reminder failed for API key %s", api_key.public_id)
            continue
        if threshold is not None:
            sent[threshold] = sent.get(threshold, 0) + 1
    return sent
