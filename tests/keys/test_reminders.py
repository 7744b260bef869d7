import datetime

import pytest
from django.core import mail
from django.utils import timezone

from keys import reminders
from keys.models import ApiKey, KeyReminder
from keys.tasks import purge_retired_versions, send_expiry_reminders
from orgs.models import AuditEvent

from .helpers import make_key


def _expiring(org, days, label="Expiring"):
    api_key, secret = make_key(org, label=label, expires_at=timezone.now() + datetime.timedelta(days=days))
    return api_key, secret


@pytest.mark.parametrize(
    "days,threshold",
    [(29.5, 30), (6.5, 7), (0.5, 1), (45, None), (-0.01, 0)],
)
def test_current_threshold(org, days, threshold):
    api_key, _ = make_key(org)
    api_key.expires_at = timezone.now() + datetime.timedelta(days=days)

    assert reminders.current_threshold(api_key, timezone.now()) == threshold


def test_each_threshold_sent_once(org, members):
    api_key, secret = _expiring(org, 40)
    start = timezone.now()

    for days_later, expected in [(11, {30: 1}), (11.5, {}), (34, {7: 1}), (39.5, {1: 1}), (40.5, {0: 1}), (41, {})]:
        sent = reminders.send_expiry_reminders(now=start + datetime.timedelta(days=days_later))
        assert sent == expected, days_later

    assert KeyReminder.objects.filter(api_key=api_key).count() == 4
    assert AuditEvent.objects.filter(action="key.reminder_sent").count() == 3
    assert AuditEvent.objects.filter(action="key.expired").count() == 1
    # admin and security manage keys: two emails per reminder
    assert len(mail.outbox) == 6
    recipients = {address for message in mail.outbox for address in message.to}
    assert recipients == {"admin@test.example", "security@test.example"}
    assert all(secret not in message.body + message.subject for message in mail.outbox)


def test_reminder_repeats_after_new_expiry(org, members):
    api_key, _ = _expiring(org, 5)
    reminders.send_expiry_reminders()

    ApiKey.objects.filter(pk=api_key.pk).update(expires_at=timezone.now() + datetime.timedelta(days=6))
    sent = reminders.send_expiry_reminders()

    assert sent == {7: 1}


def test_late_key_gets_only_nearest_reminder(org, members):
    _expiring(org, 3)

    sent = reminders.send_expiry_reminders()

    assert sent == {7: 1}
    assert "expires in 3 days" in mail.outbox[0].subject


def test_revoked_key_gets_no_reminder(org, members):
    api_key, _ = _expiring(org, 3)
    ApiKey.objects.filter(pk=api_key.pk).update(status="revoked")

    assert reminders.send_expiry_reminders() == {}


def test_mail_failure_retried_next_run(org, members, monkeypatch):
    _expiring(org, 3)

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(reminders, "send_mail", broken)
    assert reminders.send_expiry_reminders() == {}
    monkeypatch.undo()

    assert reminders.send_expiry_reminders() == {7: 1}


def test_tasks_take_no_arguments(org, members):
    _expiring(org, 3)

    assert send_expiry_reminders.apply().get() == {"7": 1}
    assert purge_retired_versions.apply().get() == 0


def test_resolve_records_expiry_once(org):
    from keys.resolver import Purpose, Reason, Strategy, resolve

    api_key, _ = make_key(org)
    ApiKey.objects.filter(pk=api_key.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    for _ in range(3):
        resolution = resolve(org, purpose=Purpose.CHAT, provider="openai", strategy=Strategy.BYOK)
        assert resolution.reason == Reason.KEY_EXPIRED
    reminders.send_expiry_reminders()

    assert AuditEvent.objects.filter(action="key.expired").count() == 1
