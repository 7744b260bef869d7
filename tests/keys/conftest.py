import time

import pytest

from orgs.sudo import SESSION_SUDO_KEY

from .helpers import make_key


@pytest.fixture(autouse=True)
def local_provider_endpoints(settings):
    """Point every provider SDK at a closed port on 127.0.0.1, so no test reaches the internet."""
    for name in ("OPENAI_BASE_URL", "ANTHROPIC_BASE_URL", "GEMINI_BASE_URL"):
        setattr(settings, name, "http://127.0.0.1:9")
    settings.KEY_VERSION_GRACE_SECONDS = 0
    # The shared fixtures create six users per test; the default password hasher makes
    # that the slowest part of these tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def key_and_secret(org):
    return make_key(org, label="Production OpenAI")


@pytest.fixture
def api_key(key_and_secret):
    return key_and_secret[0]


@pytest.fixture
def foreign_key(other_org):
    return make_key(other_org, label="Other org key")[0]


def confirm_password(client):
    """Mark the client's session as re-authenticated just now."""
    session = client.session
    session[SESSION_SUDO_KEY] = int(time.time())
    session.save()
    return client
