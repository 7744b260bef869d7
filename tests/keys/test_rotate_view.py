import pytest
from django.urls import reverse
from django.utils import timezone

from keys.crypto import secret_hash
from keys.models import ApiKey, KeyStatus, KeyVersion
from keys.plaintext import current_secret
from keys.services import purge_retired_versions, rotate_key
from orgs.models import AuditEvent
from tests.fakes.fixtures import fake_openai  # noqa: F401

from .helpers import make_key, unique_secret


def _url(api_key):
    return reverse("keys:rotate", args=[api_key.public_id])


def test_rotate_validated(client_for, api_key, settings, fake_openai):  # noqa: F811
    settings.OPENAI_BASE_URL = fake_openai.base_url
    new_secret = unique_secret()

    response = client_for("security").post(_url(api_key), {"secret": new_secret})

    api_key.refresh_from_db()
    assert response.status_code == 302
    assert current_secret(api_key) == new_secret
    assert api_key.fingerprint == new_secret[-4:]
    assert api_key.secret_hash == secret_hash(new_secret)
    versions = KeyVersion.objects.filter(api_key=api_key)
    assert versions.filter(retired_at__isnull=True).count() == 1
    retired = versions.get(retired_at__isnull=False)
    assert retired.secret is None
    assert retired.destroyed_at is not None
    event = AuditEvent.objects.get(action="key.rotated")
    assert new_secret not in str(event.details)


def test_rotate_rejected_secret_keeps_old(client_for, api_key, key_and_secret, settings, fake_openai):  # noqa: F811
    settings.OPENAI_BASE_URL = fake_openai.base_url
    new_secret = unique_secret()
    fake_openai.invalid_keys.add(new_secret)

    response = client_for("security").post(_url(api_key), {"secret": new_secret})

    assert response.status_code == 200
    assert current_secret(api_key) == key_and_secret[1]
    assert AuditEvent.objects.filter(action="key.validation_failed").exists()


def test_rotate_fixes_rejected_key(client_for, api_key):
    ApiKey.objects.filter(pk=api_key.pk).update(status=KeyStatus.REJECTED, last_error="HTTP 401")

    client_for("admin").post(_url(api_key), {"secret": unique_secret(), "skip_validation": "on"})

    api_key.refresh_from_db()
    assert api_key.status == KeyStatus.ACTIVE
    assert api_key.last_error == ""


def test_rotate_revoked_key_refused(client_for, api_key, key_and_secret):
    ApiKey.objects.filter(pk=api_key.pk).update(status=KeyStatus.REVOKED)

    response = client_for("security").post(_url(api_key), {"secret": unique_secret(), "skip_validation": "on"})

    assert response.status_code == 200
    assert current_secret(api_key) == key_and_secret[1]


def test_rotate_duplicate_of_other_key(client_for, org, api_key):
    _, other_secret = make_key(org, label="Other")

    response = client_for("security").post(_url(api_key), {"secret": other_secret, "skip_validation": "on"})

    assert response.status_code == 200
    assert "Other" in " ".join(response.context["form"].errors["secret"])


def test_rotate_empty_secret(client_for, api_key):
    response = client_for("security").post(_url(api_key), {"secret": "  "})

    assert response.status_code == 200
    assert "empty" in " ".join(response.context["form"].errors["secret"])


def test_grace_period_keeps_then_purges(org, settings):
    settings.KEY_VERSION_GRACE_SECONDS = 3600
    api_key, old_secret = make_key(org)

    rotate_key(api_key, secret=unique_secret())
    retired = KeyVersion.objects.get(api_key=api_key, retired_at__isnull=False)
    assert retired.secret == old_secret
    assert purge_retired_versions() == 0

    purged = purge_retired_versions(now=timezone.now() + timezone.timedelta(hours=2))
    retired.refresh_from_db()
    assert purged == 1
    assert retired.secret is None


@pytest.mark.parametrize("role", ["builder", "support", "finance"])
def test_rotate_page_forbidden(client_for, api_key, role):
    assert client_for(role).get(_url(api_key)).status_code == 403


def test_rotate_expired_key_with_new_expiry(client_for, org, api_key):
    from keys.resolver import Purpose, Strategy, resolve

    ApiKey.objects.filter(pk=api_key.pk).update(expires_at=timezone.now() - timezone.timedelta(days=1))
    page = client_for("security").get(_url(api_key))
    assert page.context["form"]["expires_on"].value() is None
    day = timezone.localdate() + timezone.timedelta(days=60)

    response = client_for("security").post(
        _url(api_key), {"secret": unique_secret(), "skip_validation": "on", "expires_on": day.isoformat()}
    )

    api_key.refresh_from_db()
    assert response.status_code == 302
    assert timezone.localtime(api_key.expires_at).date() == day
    assert resolve(org, purpose=Purpose.CHAT, provider="openai", strategy=Strategy.BYOK).ok


def test_rotate_form_prefills_future_expiry(client_for, api_key):
    day = timezone.localdate() + timezone.timedelta(days=20)
    ApiKey.objects.filter(pk=api_key.pk).update(expires_at=timezone.now() + timezone.timedelta(days=20))

    page = client_for("security").get(_url(api_key))

    assert page.context["form"]["expires_on"].value() == day
