"""Rotation while other threads resolve and decrypt the key: no call may fail or see a gap."""

import threading

import pytest
from django.db import connection

from keys.resolver import Purpose, Strategy, resolve
from keys.services import rotate_key
from tests.conftest import skip_or_fail

from .helpers import make_key, unique_secret

pytestmark = pytest.mark.services

READERS = 4
ROTATIONS = 10


@pytest.fixture
def postgres(transactional_db):
    if connection.vendor != "postgresql":
        skip_or_fail("rotation under concurrent use needs PostgreSQL (set DATABASE_URL)")


def test_rotation_under_concurrent_resolves(postgres, org):
    api_key, first_secret = make_key(org)
    issued = {first_secret}
    failures = []
    resolved = []
    stop = threading.Event()

    def reader():
        try:
            while not stop.is_set():
                resolution = resolve(org, purpose=Purpose.CHAT, provider="openai", strategy=Strategy.BYOK)
                if not resolution.ok:
                    failures.append(resolution.reason)
                else:
                    resolved.append(resolution.credential.api_key)
        finally:
            connection.close()

    threads = [threading.Thread(target=reader) for _ in range(READERS)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(ROTATIONS):
            secret = unique_secret()
            issued.add(secret)
            rotate_key(api_key, secret=secret)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

    assert failures == []
    assert resolved
    assert set(resolved) <= issued
