"""The OpenAPI document validates, and a schemathesis run against the API channel finds no 500.

The meta-schemas come with schemathesis (`schemathesis.specs.openapi.definitions`), and the
run calls the real WSGI application in-process with a bounded number of examples.
"""

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi import definitions

from agents.bluegreen.clone import clone_agent
from agents.bluegreen.routing import set_canary

pytestmark = pytest.mark.django_db

CHAT_PATH = "/api/v1/agents/{agent_id}/chat"
MAX_EXAMPLES = 30


def test_openapi_document_validates(client):
    document = client.get("/api/v1/openapi.json").json()

    if document["openapi"].startswith("3.1"):
        validator = definitions.OPENAPI_31_VALIDATOR
    else:
        validator = definitions.OPENAPI_30_VALIDATOR
    assert [error.message for error in validator.iter_errors(document)] == []
    operation = document["paths"][CHAT_PATH]["post"]
    assert {"200", "401", "404", "422"} <= set(operation["responses"])
    assert operation["security"]


@pytest.fixture
def keep_test_connection():
    """Stop each in-process request from closing the test's database connection.

    Django's test client does the same. Without it, a request's end closes the PostgreSQL
    connection that holds the test transaction, because its autocommit differs from the default.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_schemathesis_finds_no_server_error(agent, api_channel, api_token, keep_test_connection):
    # A canary makes the fuzzed requests exercise the blue/green routing too.
    set_canary(api_channel, clone_agent(agent), 50)
    cache.clear()
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    operation = schema[CHAT_PATH]["POST"]
    seen = []

    @given(case=operation.as_strategy(), real_agent=st.booleans(), real_token=st.booleans())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def call(case, real_agent, real_token):
        if real_agent:
            case.path_parameters = {**(case.path_parameters or {}), "agent_id": str(agent.public_id)}
        if real_token:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {api_token}"}
        response = case.call()
        seen.append(response.status_code)
        assert response.status_code < 500, (case.path_parameters, case.body, response.text[:300])

    call()

    assert len(seen) >= MAX_EXAMPLES // 2
    assert 200 in seen
