"""End to end: a real Celery worker on Redis ingests a document from the PostgreSQL test database."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection

from knowledge.models import Document
from knowledge.search import search
from tests.conftest import skip_or_fail

from .conftest import make_document

# Celery's broker_url setting prefers the CELERY_BROKER_URL environment variable over any
# broker argument, so the test sends and listens where that variable points when it is Redis.
BROKER_URL = (
    os.environ["CELERY_BROKER_URL"]
    if os.environ.get("CELERY_BROKER_URL", "").startswith("redis://")
    else "redis://127.0.0.1:6379/3"
)
ROOT = Path(__file__).resolve().parents[2]


def redis_available():
    import redis

    try:
        client = redis.Redis.from_url(BROKER_URL, socket_connect_timeout=1)
        client.flushdb()  # database 3 belongs to the knowledge tests
        return True
    except redis.exceptions.ConnectionError:
        return False


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_worker_ingests_document(org, knowledge_base, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the worker needs the PostgreSQL test database; this run uses SQLite")
    if not redis_available():
        skip_or_fail(f"Redis is not reachable at {BROKER_URL}")

    document = make_document(knowledge_base, "guide.md", b"# Parking\n\nVisitors park in bay 12.")
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST']}:{database['PORT'] or 5432}/{database['NAME']}",
        "CELERY_BROKER_URL": BROKER_URL,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    env.pop("DATABASE_TEST_NAME", None)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--without-mingle",
         "--without-gossip", "--loglevel=WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    sender = Celery(broker=BROKER_URL)
    try:
        sender.send_task("knowledge.tasks.ingest_document", args=[document.pk])
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            document.refresh_from_db()
            if not document.is_processing:
                break
            time.sleep(0.25)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=20)[0].decode(errors="replace")
        sender.close()

    assert document.status == Document.Status.READY, f"{document.status}: {document.status_reason}\n{output[-2000:]}"
    assert document.attempts == 1
    assert search(org, [knowledge_base.pk], "visitors park")[0].heading == "Parking"
