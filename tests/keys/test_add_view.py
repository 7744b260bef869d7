import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from keys.models import ApiKey, KeyVersion
from keys.plaintext import current_secret
from orgs.models import AuditEvent
from tests.fakes.fixtures import fake_anthropic, fake_gemini, fake_openai, fake_providers  # noqa: F401

from .helpers import make_key, unique_secret

URL = reverse("keys:add")


def _form(**overrides):
    data = {"provider": "openai", "label": "Production", "secret": unique_secret(), "notes": "", "department": ""}
    data.update(overrides)
    return data


@pytest.fixture
def manager(client_for):
    return client_for("security")


def test_add_page_renders(manager):
    response = manager.get(URL)

    assert response.status_code == 200
    assert b'name="skip_validation"' in response.content


def test_add_validated_against_fake_provider(manager, org, settings, fake_openai):  # noqa: F811
    settings.OPENAI_BASE_URL = fake_openai.base_url
    data = _form(secret="  " + unique_secret("sk-proj-") * 3 + "\n")

    response = manager.post(URL, data, follow=True)

    api_key = ApiKey.objects.get(organization=org)
    assert response.status_code == 200
    assert current_secret(api_key) == data["secret"].strip()
    assert len(current_secret(api_key)) > 160
    assert api_key.last_validated_at is not None
    assert fake_openai.requests_to("/v1/models")
    assert fake_openai.key_of(fake_openai.requests[-1]) == data["secret"].strip()
    assert "Saved" in response.content.decode()
    actions = set(AuditEvent.objects.filter(organization=org).values_list("action", flat=True))
    assert {"key.created", "key.validated"} <= actions


def test_add_rejected_key_not_saved(manager, org, settings, fake_openai):  # noqa: F811
    settings.OPENAI_BASE_URL = fake_openai.base_url
    data = _form()
    fake_openai.invalid_keys.add(data["secret"])

    response = manager.post(URL, data)

    assert response.status_code == 200
    assert not ApiKey.objects.exists()
    assert "rejected this key" in response.content.decode()
    assert data["secret"] not in response.content.decode()
    event = AuditEvent.objects.get(action="key.validation_failed")
    assert data["secret"] not in str(event.details)


def test_add_unreachable_provider_suggests_skip(manager, org):
    response = manager.post(URL, _form())

    assert response.status_code == 200
    assert not ApiKey.objects.exists()
    assert "Save without validating" in response.content.decode()


def test_add_without_validation(manager, org):
    response = manager.post(URL, _form(skip_validation="on"))

    api_key = ApiKey.objects.get(organization=org)
    assert response.status_code == 302
    assert api_key.last_validated_at is None
    assert KeyVersion.objects.filter(api_key=api_key).count() == 1


@pytest.mark.parametrize(
    "overrides,field,fragment",
    [
        ({"secret": "   "}, "secret", "empty"),
        ({"secret": "sk-abc def"}, "secret", "spaces"),
        ({"provider": "mistral"}, "provider", "mistral"),
        ({"base_url": "http://gateway.example.com"}, "base_url", "https"),
        ({"base_url": "not a url"}, "base_url", "not a url"),
        ({"base_url": "https://127.0.0.1/v1"}, "base_url", "loopback"),
        ({"base_url": "https://10.1.2.3/v1"}, "base_url", "private"),
        ({"base_url": "https://169.254.169.254/"}, "base_url", "link-local"),
        ({"base_url": "https://[::1]/"}, "base_url", "loopback"),
        ({"base_url": "https://localhost/"}, "base_url", "loopback"),
        ({"base_url": "https://user:pw@gateway.example.com/"}, "base_url", "password"),
        ({"expires_on": "2001-01-01"}, "expires_on", "2001-01-01"),
        ({"expires_on": "tomorrow-ish"}, "expires_on", ""),
        ({"label": ""}, "label", ""),
    ],
)
def test_add_bad_input(manager, org, overrides, field, fragment):
    response = manager.post(URL, _form(skip_validation="on", **overrides))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert fragment in " ".join(errors[field])
    assert not ApiKey.objects.exists()


def test_private_base_url_allowed_by_setting(manager, org, settings):
    settings.ALLOW_PRIVATE_PROVIDER_URLS = True

    response = manager.post(URL, _form(skip_validation="on", base_url="https://10.1.2.3/v1"))

    assert response.status_code == 302
    assert ApiKey.objects.get().base_url == "https://10.1.2.3/v1"


def test_add_duplicate_secret(manager, org):
    existing, secret = make_key(org, label="First")

    response = manager.post(URL, _form(secret=secret, skip_validation="on", label="Second"))

    assert response.status_code == 200
    assert "First" in " ".join(response.context["form"].errors["secret"])
    assert ApiKey.objects.count() == 1


def test_same_secret_allowed_in_other_org(manager, org, other_org):
    _, secret = make_key(other_org)

    response = manager.post(URL, _form(secret=secret, skip_validation="on"))

    assert response.status_code == 302
    assert ApiKey.objects.filter(organization=org).count() == 1


def test_add_with_expiry(manager, org):
    day = timezone.localdate() + datetime.timedelta(days=45)

    manager.post(URL, _form(skip_validation="on", expires_on=day.isoformat()))

    api_key = ApiKey.objects.get()
    assert timezone.localtime(api_key.expires_at).date() == day


@pytest.mark.parametrize("provider", ["openai", "anthropic", "gemini"])
def test_add_validates_each_provider(manager, org, settings, fake_providers, provider):  # noqa: F811
    fake = fake_providers[provider]
    setattr(settings, f"{provider.upper()}_BASE_URL", fake.base_url)
    good = _form(provider=provider, label=f"{provider} key")
    bad = _form(provider=provider, label=f"{provider} bad key")
    fake.invalid_keys.add(bad["secret"])

    accepted = manager.post(URL, good)
    rejected = manager.post(URL, bad)

    assert accepted.status_code == 302
    assert rejected.status_code == 200
    assert "rejected this key" in rejected.content.decode()
    assert list(ApiKey.objects.values_list("label", flat=True)) == [f"{provider} key"]
    assert {fake.key_of(request) for request in fake.requests} == {good["secret"], bad["secret"]}
