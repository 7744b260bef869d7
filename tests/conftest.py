"""Shared fixtures: an organization with one member per role, and an outsider elsewhere."""

import os
from decimal import Decimal

import pytest
from django.conf import settings

from orgs.models import Membership, Organization, Plan
from orgs.permissions import Role

PASSWORD = "correct-horse-battery"

# The Playwright fixtures (browser, page, login) are defined once for every test package.
pytest_plugins = ["tests.browser.fixtures"]


def services_required():
    return settings.REQUIRE_SERVICES or os.environ.get("REQUIRE_SERVICES") == "1"


def skip_or_fail(reason):
    """Skip a test whose service is absent, or fail it when CI requires the services."""
    if services_required():
        pytest.fail(f"{reason} (REQUIRE_SERVICES=1, so this test must run)")
    pytest.skip(reason)


@pytest.fixture(autouse=True, scope="session")
def fast_password_hasher():
    """Hash test passwords with MD5: PBKDF2 costs seconds per fixture on a busy 2-core machine."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True, scope="session")
def database_work_in_request_thread():
    """Run the chat path's database work in the test's own thread and connection.

    Most tests wrap each test in a transaction, which a database worker thread
    (config/db_workers.py) cannot see. tests/config/test_db_workers.py turns the workers on
    with committed data.
    """
    from django.test import override_settings

    with override_settings(DB_WORKER_THREADS=0):
        yield


@pytest.fixture(autouse=True)
def default_language_after_test():
    """Reset the active language: a request with a language cookie leaves it active in this thread."""
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def fresh_price_cache():
    """Forget catalog prices between tests: a rolled-back CatalogModel row sends no signal."""
    from usage.catalog import clear_price_cache

    clear_price_cache()
    yield
    clear_price_cache()


@pytest.fixture
def plan(db):
    return Plan.objects.create(
        name="Test plan",
        slug="test-plan",
        hosted_allowed=True,
        byok_allowed=True,
        monthly_hosted_tokens=100_000,
        monthly_image_units=10,
        monthly_media_minutes=10,
        monthly_price=Decimal("99.00"),
    )


@pytest.fixture
def org(plan):
    return Organization.objects.create(name="Acme Test", slug="acme-test", plan=plan)


@pytest.fixture
def other_org(plan):
    return Organization.objects.create(name="Other Co", slug="other-co", plan=plan)


def make_user(django_user_model, email):
    return django_user_model.objects.create_user(username=email, email=email, password=PASSWORD)


@pytest.fixture
def members(org, django_user_model):
    """Return {role: user}, one member of `org` per role."""
    users = {}
    for role in Role.values:
        user = make_user(django_user_model, f"{role}@test.example")
        Membership.objects.create(user=user, organization=org, roles=[role])
        users[role] = user
    return users


@pytest.fixture
def outsider(other_org, django_user_model):
    """An admin of another organization."""
    user = make_user(django_user_model, "outsider@other.example")
    Membership.objects.create(user=user, organization=other_org, roles=[Role.ADMIN])
    return user


@pytest.fixture
def client_for(client, members, outsider):
    """Return a function that logs the test client in as a role name or "outsider"."""

    def login(who):
        user = outsider if who == "outsider" else members[who]
        client.force_login(user)
        return client

    return login
