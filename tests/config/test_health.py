import socket

import pytest
from django.db import OperationalError, connection

from config.celery import app as celery_app

URL = "/healthz"


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db
def test_health_ok(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_health_broker_down_503(client, monkeypatch):
    dead_broker = f"redis://127.0.0.1:{closed_port()}/0"
    # Celery reads the CELERY_BROKER_URL environment variable before its own setting.
    monkeypatch.setenv("CELERY_BROKER_URL", dead_broker)
    monkeypatch.setattr(celery_app.conf, "broker_url", dead_broker)
    response = client.get(URL)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "ok"
    assert body["broker"] != "ok"


@pytest.mark.django_db
def test_health_database_down_503(client):
    def fail_query(execute, sql, params, many, context):
        raise OperationalError("connection refused")

    with connection.execute_wrapper(fail_query):
        response = client.get(URL)
    assert response.status_code == 503
    assert response.json()["database"] == "OperationalError"


@pytest.mark.django_db
def test_health_wrong_method_405(client):
    assert client.post(URL).status_code == 405
