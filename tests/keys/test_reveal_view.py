import pytest
from django.urls import reverse

from orgs.models import AuditEvent

from .conftest import confirm_password
from .helpers import new_master_key


def _urls(api_key):
    return reverse("keys:reveal", args=[api_key.public_id]), reverse("keys:reveal_secret", args=[api_key.public_id])


def test_reveal_requires_recent_password(client_for, api_key, key_and_secret):
    page_url, secret_url = _urls(api_key)
    client = client_for("security")

    page = client.get(page_url)
    fragment = client.post(secret_url)

    assert page.status_code == 302
    assert reverse("confirm_password") in page["Location"]
    assert fragment.status_code == 302
    assert key_and_secret[1] not in fragment.content.decode()
    assert not AuditEvent.objects.filter(action="key.revealed").exists()


def test_reveal_htmx_redirects_to_confirm(client_for, api_key):
    _, secret_url = _urls(api_key)

    response = client_for("security").post(secret_url, HTTP_HX_REQUEST="true")

    assert reverse("confirm_password") in response["HX-Redirect"]


def test_reveal_fragment_shows_secret_once(client_for, api_key, key_and_secret):
    page_url, secret_url = _urls(api_key)
    client = confirm_password(client_for("security"))

    page = client.get(page_url)
    response = client.post(secret_url, HTTP_HX_REQUEST="true")

    assert page.status_code == 200
    assert key_and_secret[1] not in page.content.decode()
    content = response.content.decode()
    assert response.status_code == 200
    assert key_and_secret[1] in content
    assert "<html" not in content
    assert 'data-auto-hide="30"' in content
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="key.revealed")
    assert event.actor.email == "security@test.example"
    assert event.ip_address == "127.0.0.1"
    assert key_and_secret[1] not in str(event.details)


def test_reveal_full_page_without_htmx(client_for, api_key, key_and_secret):
    _, secret_url = _urls(api_key)

    response = confirm_password(client_for("security")).post(secret_url)

    content = response.content.decode()
    assert key_and_secret[1] in content
    assert 'http-equiv="refresh"' in content
    assert "no-store" in response["Cache-Control"]


def test_reveal_every_time_audited(client_for, api_key):
    _, secret_url = _urls(api_key)
    client = confirm_password(client_for("security"))

    client.post(secret_url)
    client.post(secret_url)

    assert AuditEvent.objects.filter(action="key.revealed").count() == 2


@pytest.mark.parametrize("role", ["admin", "builder", "support", "finance"])
def test_reveal_forbidden_even_with_sudo(client_for, api_key, key_and_secret, role):
    page_url, secret_url = _urls(api_key)
    client = confirm_password(client_for(role))

    assert client.get(page_url).status_code == 403
    response = client.post(secret_url)
    assert response.status_code == 403
    assert key_and_secret[1] not in response.content.decode()


def test_reveal_unreadable_fails_closed(client_for, api_key, key_and_secret, settings):
    _, secret_url = _urls(api_key)
    settings.CRYPTOGRAPHY_KEY = new_master_key()

    response = confirm_password(client_for("security")).post(secret_url, HTTP_HX_REQUEST="true")

    content = response.content.decode()
    assert response.status_code == 200
    assert str(api_key.public_id) in content
    assert key_and_secret[1] not in content
    assert AuditEvent.objects.get(action="key.revealed").details["succeeded"] is False
