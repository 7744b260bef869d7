"""The per-member iCalendar feed of key expiries, reached through a secret URL token."""

import datetime
import hashlib
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from icalendar import Alarm, Calendar, Event

from .models import REMINDER_DAYS, ApiKey, CalendarToken, KeyStatus


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def active_token(user, organization):
    if not getattr(user, "is_authenticated", False) or organization is None:
        return None
    return CalendarToken.objects.filter(user=user, organization=organization, revoked_at__isnull=True).first()


def issue_token(user, organization) -> str:
    """Revoke the member's current token, store a new one hashed and return it (shown once)."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        revoke_tokens(user, organization)
        try:
            CalendarToken.objects.create(user=user, organization=organization, token_hash=hash_token(token))
        except IntegrityError:
            # A concurrent request issued a token in between; revoke it and keep ours.
            revoke_tokens(user, organization)
            CalendarToken.objects.create(user=user, organization=organization, token_hash=hash_token(token))
    return token


def revoke_tokens(user, organization) -> int:
    return CalendarToken.objects.filter(
        user=user, organization=organization, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())


def find_token(token: str):
    """Return the active CalendarToken for token, or None for unknown or revoked tokens."""
    if not token or len(token) > 100:
        return None
    return (
        CalendarToken.objects.select_related("user", "organization")
        .filter(token_hash=hash_token(token), revoked_at__isnull=True)
        .first()
    )


def build_calendar(organization, now=None) -> bytes:
    """Return the organization's key expiries as an iCalendar document of all-day events.

    NOTE: calendar apps fetch the feed without a session or language, so its text is English.
    """
    now = now or timezone.now()
    calendar = Calendar()
    calendar.add("prodid", "-//FlexyAgents//LLM API key expiries//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{organization.name}: LLM API key expiries")
    keys = (
        ApiKey.objects.filter(organization=organization, expires_at__isnull=False)
        .exclude(status=KeyStatus.REVOKED)
        .order_by("expires_at")
    )
    for api_key in keys:
        day = timezone.localtime(api_key.expires_at).date()
        event = Event()
        event.add("uid", f"{api_key.public_id}-{day.isoformat()}@flexyagents")
        event.add("dtstamp", now)
        event.add("dtstart", day)
        event.add("dtend", day + datetime.timedelta(days=1))
        event.add("summary", f"{api_key.get_provider_display()} key “{api_key.label}” (…{api_key.fingerprint}) expires")
        event.add("description", "Rotate the key or change its expiry in Settings → LLM API Keys.")
        event.add("transp", "TRANSPARENT")
        for days in REMINDER_DAYS:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", f"The key “{api_key.label}” expires in {days} day(s).")
            alarm.add("trigger", datetime.timedelta(days=-days))
            event.add_component(alarm)
        calendar.add_component(event)
    return calendar.to_ical()
