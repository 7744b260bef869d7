import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from keys.models import ApiKey, CalendarToken, KeyStatus
from orgs.models import Membership

from .helpers import make_key


def _issue(client):
    response = client.post(reverse("keys:calendar_token"))
    match = re.search(r'value="(http://testserver/settings/llm-keys/calendar/[^"]+\.ics)"', response.content.decode())
    assert match, "the new calendar link is shown once"
    return match.group(1).removeprefix("http://testserver")


@pytest.fixture
def expiring_key(org):
    return make_key(org, label="Expiring", expires_at=timezone.now() + datetime.timedelta(days=20))


def test_feed_lists_expiries_with_alarms(client_for, client, org, expiring_key, foreign_key):
    api_key, secret = expiring_key
    revoked, _ = make_key(org, label="Revoked one", expires_at=timezone.now() + datetime.timedelta(days=5))
    ApiKey.objects.filter(pk=revoked.pk).update(status=KeyStatus.REVOKED)
    feed_url = _issue(client_for("security"))
    client.logout()

    response = client.get(feed_url)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = [component for component in calendar.walk("VEVENT")]
    assert len(events) == 1
    assert "Expiring" in str(events[0]["summary"])
    assert events[0].decoded("dtstart") == timezone.localtime(api_key.expires_at).date()
    assert len(events[0].walk("VALARM")) == 3
    assert secret not in response.content.decode()
    assert foreign_key.label not in response.content.decode()


def test_token_stored_hashed(client_for, members):
    feed_url = _issue(client_for("security"))
    token = feed_url.rsplit("/", 1)[1].removesuffix(".ics")

    stored = CalendarToken.objects.get(user=members["security"])

    assert stored.token_hash != token
    assert token not in stored.token_hash


def test_regenerate_revokes_old_link(client_for, client):
    member = client_for("security")
    old_url = _issue(member)
    new_url = _issue(member)
    client.logout()

    assert client.get(old_url).status_code == 404
    assert client.get(new_url).status_code == 200


def test_revoke_link(client_for, client):
    member = client_for("admin")
    feed_url = _issue(member)

    response = member.post(reverse("keys:calendar_token_revoke"))
    client.logout()

    assert response.status_code == 302
    assert client.get(feed_url).status_code == 404


def test_unknown_token_404(client, db):
    assert client.get(reverse("keys:calendar_feed", args=["nope"])).status_code == 404
    assert client.get(reverse("keys:calendar_feed", args=["x" * 300])).status_code == 404


def test_feed_404_after_membership_removed(client_for, client, members):
    feed_url = _issue(client_for("builder"))
    Membership.objects.filter(user=members["builder"]).delete()
    client.logout()

    assert client.get(feed_url).status_code == 404


def test_feed_wrong_method_405(client_for, client):
    feed_url = _issue(client_for("security"))

    assert client.post(feed_url).status_code == 405
