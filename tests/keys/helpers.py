"""Helpers for the keys tests: keys with known secrets and fresh master keys."""

import base64
import os
import uuid

from keys.services import create_key


def new_master_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def unique_secret(prefix="sk-test-") -> str:
    return prefix + uuid.uuid4().hex + uuid.uuid4().hex


def make_key(organization, provider="openai", label="Main", secret=None, **fields):
    """Create a key with a unique secret; return (api_key, secret)."""
    secret = secret or unique_secret()
    api_key = create_key(organization, provider=provider, label=label, secret=secret, **fields)
    return api_key, secret
