"""Celery tasks of the usage app: quota warning emails, spike detection, raw event retention."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from orgs.permissions import BILLING_ALERT_PERMISSION

logger = logging.getLogger(__name__)


@shared_task
def send_quota_warning(warning_id: int) -> int:
    """Email the 80 % or 100 % warning of a quota period to its billing members; return the count."""
    from .models import QuotaWarning
    from .quotas import QUOTA_LABELS

    warning = QuotaWarning.objects.select_related("period__organization").get(pk=warning_id)
    period = warning.period
    organization = period.organization
    recipients = [user.email for user in organization.members_with(BILLING_ALERT_PERMISSION) if user.email]
    if not recipients:
        logger.info("Quota warning %s for %s has no recipients", warning_id, organization.slug)
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(organization)s: %(quota)s at %(percent)s%% of the plan limit") % {
            "organization": organization.name,
            "quota": QUOTA_LABELS[period.kind],
            "percent": warning.threshold,
        }
        body = _(
            "%(quota)s: %(used)s of %(limit)s used in the billing period that ends on %(end)s.\n"
            "Usage dashboard: %(url)s\n"
            "To keep hosted calls working, upgrade the plan, move agents to your own provider "
            "keys (BYOK), or wait for the reset."
        ) % {
            "quota": QUOTA_LABELS[period.kind],
            "used": period.used,
            "limit": period.limit,
            "end": period.period_end.isoformat(),
            "url": reverse("usage:dashboard"),
        }
    send_mail(subject, body, None, recipients)
    return len(recipients)


@shared_task
def detect_spikes() -> int:
    """Check the last complete hour of every organization with recent usage; return new alerts."""
    from orgs.models import Organization

    from .models import HourlyRollup
    from .spikes import check_latest_hour

    now = timezone.now()
    since = now - timedelta(hours=2)
    active = HourlyRollup.objects.filter(hour__gte=since).values("organization_id")
    created = 0
    for organization in Organization.objects.filter(pk__in=active):
        if check_latest_hour(organization, now=now):
            created += 1
    return created


@shared_task
def purge_raw_events() -> int:
    """Delete raw usage events and refusals older than USAGE_RAW_RETENTION_DAYS; rollups stay."""
    from .models import Refusal, UsageEvent

    cutoff = timezone.now() - timedelta(days=settings.USAGE_RAW_RETENTION_DAYS)
    deleted, _counts = UsageEvent.objects.filter(at__lt=cutoff).delete()
    refusals, _counts = Refusal.objects.filter(at__lt=cutoff).delete()
    logger.info("Purged %s usage events and %s refusals older than %s", deleted, refusals, cutoff)
    return deleted
