from django.urls import reverse

from keys.models import ApiKey, KeyStatus
from orgs.models import AuditEvent
from tests.fakes.fixtures import fake_openai  # noqa: F401


def test_validate_ok_reactivates_rejected(client_for, api_key, settings, fake_openai):  # noqa: F811
    settings.OPENAI_BASE_URL = fake_openai.base_url
    ApiKey.objects.filter(pk=api_key.pk).update(status=KeyStatus.REJECTED)

    response = client_for("security").post(reverse("keys:validate", args=[api_key.public_id]))

    api_key.refresh_from_db()
    assert response.status_code == 302
    assert api_key.status == KeyStatus.ACTIVE
    assert api_key.last_validated_at is not None
    assert AuditEvent.objects.filter(action="key.validated").exists()


def test_validate_failure_recorded(client_for, api_key, key_and_secret, settings, fake_openai):  # noqa: F811
    settings.OPENAI_BASE_URL = fake_openai.base_url
    fake_openai.invalid_keys.add(key_and_secret[1])

    response = client_for("admin").post(reverse("keys:validate", args=[api_key.public_id]), follow=True)

    api_key.refresh_from_db()
    assert "rejected this key" in api_key.last_error
    assert key_and_secret[1] not in response.content.decode()
    assert AuditEvent.objects.filter(action="key.validation_failed").exists()


def test_validate_revoked_sends_nothing(client_for, api_key, settings, fake_openai):  # noqa: F811
    settings.OPENAI_BASE_URL = fake_openai.base_url
    ApiKey.objects.filter(pk=api_key.pk).update(status=KeyStatus.REVOKED)

    response = client_for("security").post(reverse("keys:validate", args=[api_key.public_id]), follow=True)

    api_key.refresh_from_db()
    assert api_key.status == KeyStatus.REVOKED
    assert api_key.last_validated_at is None
    assert fake_openai.requests == []
    assert "This key is revoked" in response.content.decode()
    assert "Validate now" not in response.content.decode()
