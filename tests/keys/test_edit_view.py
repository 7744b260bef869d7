import datetime

from django.urls import reverse
from django.utils import timezone

from keys.models import ApiKey
from orgs.models import AuditEvent


def _url(api_key):
    return reverse("keys:edit", args=[api_key.public_id])


def test_edit_sets_and_clears_expiry(client_for, api_key):
    client = client_for("security")
    day = timezone.localdate() + datetime.timedelta(days=90)

    response = client.post(_url(api_key), {"label": "Renamed", "expires_on": day.isoformat()})
    api_key.refresh_from_db()
    assert response.status_code == 302
    assert api_key.label == "Renamed"
    assert timezone.localtime(api_key.expires_at).date() == day

    client.post(_url(api_key), {"label": "Renamed", "expires_on": ""})
    api_key.refresh_from_db()
    assert api_key.expires_at is None
    assert AuditEvent.objects.filter(action="key.updated").count() == 2


def test_edit_rejects_past_expiry(client_for, api_key):
    response = client_for("admin").post(_url(api_key), {"label": "X", "expires_on": "2000-01-01"})

    assert response.status_code == 200
    assert "expires_on" in response.context["form"].errors
    assert ApiKey.objects.get(pk=api_key.pk).label == "Production OpenAI"


def test_edit_keeps_unchanged_past_expiry(client_for, api_key):
    past = timezone.now() - datetime.timedelta(days=3)
    ApiKey.objects.filter(pk=api_key.pk).update(expires_at=past)
    day = timezone.localtime(past).date()

    response = client_for("admin").post(_url(api_key), {"label": "Kept", "expires_on": day.isoformat()})

    api_key.refresh_from_db()
    assert response.status_code == 302
    assert api_key.expires_at == past
