import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from keys.models import ApiKey, KeyStatus

from .helpers import make_key

URL = reverse("keys:list")


@pytest.fixture
def keys(org):
    now = timezone.now()
    active, active_secret = make_key(org, label="Active one")
    soon, _ = make_key(org, provider="anthropic", label="Soon", expires_at=now + datetime.timedelta(days=10))
    expired, _ = make_key(org, provider="gemini", label="Gone", expires_at=now + datetime.timedelta(days=2))
    ApiKey.objects.filter(pk=expired.pk).update(expires_at=now - datetime.timedelta(days=1))
    rejected, _ = make_key(org, label="Bad")
    ApiKey.objects.filter(pk=rejected.pk).update(status=KeyStatus.REJECTED)
    revoked, _ = make_key(org, label="Old")
    ApiKey.objects.filter(pk=revoked.pk).update(status=KeyStatus.REVOKED)
    return {"active": active, "secret": active_secret}


def test_list_shows_masked_keys(client_for, keys):
    response = client_for("builder").get(URL)

    content = response.content.decode()
    assert response.status_code == 200
    assert f"…{keys['secret'][-4:]}" in content
    assert keys["secret"] not in content
    for label in ("Active", "Expiring soon", "Expired", "Rejected by provider", "Revoked"):
        assert label in content


@pytest.mark.parametrize(
    "status,expected",
    [("active", "Active one"), ("expiring_soon", "Soon"), ("expired", "Gone"), ("rejected", "Bad"), ("revoked", "Old")],
)
def test_list_filter_by_status(client_for, keys, status, expected):
    response = client_for("security").get(URL, {"status": status})

    rows = [row.record.label for row in response.context["table"].page.object_list]
    assert rows == [expected]


def test_list_filter_by_provider(client_for, keys):
    response = client_for("security").get(URL, {"provider": "anthropic"})

    rows = [row.record.label for row in response.context["table"].page.object_list]
    assert rows == ["Soon"]


@pytest.mark.parametrize("sort", ["label", "-expires_at", "last_used_at", "state", "agents", "nonsense", "-", "%00"])
def test_list_any_sort_is_200(client_for, keys, sort):
    response = client_for("security").get(URL, {"sort": sort})

    assert response.status_code == 200


def test_list_nonsense_filter_is_200(client_for, keys):
    response = client_for("security").get(URL, {"provider": "mistral", "status": "dead"})

    assert response.status_code == 200
    assert len(response.context["table"].page.object_list) == 5


def test_list_htmx_returns_table_only(client_for, keys):
    response = client_for("security").get(URL, {"sort": "label"}, HTTP_HX_REQUEST="true")

    content = response.content.decode()
    assert 'id="key-table"' in content
    assert "<html" not in content


def test_list_hides_other_org_keys(client_for, keys, foreign_key):
    response = client_for("security").get(URL)

    assert foreign_key.label not in response.content.decode()


def test_list_manage_button_by_permission(client_for, keys):
    assert reverse("keys:add") in client_for("security").get(URL).content.decode()
    assert reverse("keys:add") not in client_for("builder").get(URL).content.decode()


def test_list_detail_link_not_boosted(client_for, keys):
    content = client_for("security").get(URL).content.decode()

    link = f'href="{reverse("keys:detail", args=[keys["active"].public_id])}" hx-boost="false"'
    assert link in content
