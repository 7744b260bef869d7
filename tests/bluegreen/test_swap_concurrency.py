"""Swap atomicity: API requests running while the channel swaps back and forth.

Every request must be answered (HTTP 200) by exactly one of the two agents: one trace per
request, each naming the live agent or the candidate, and no request may fail.
"""

import contextlib
import json
import threading

from asgiref.sync import async_to_sync

import pytest
from django.db import connection
from django.test import Client

from agents.bluegreen.clone import clone_agent
from agents.bluegreen.swap import rollback_batch, swap_channels
from agents.chat import prepare_turn
from agents.models import Channel, Trace

from .test_swap import finished_run

THREADS = 4
REQUESTS_PER_THREAD = 6
SWAPS = 6


def database_lock():
    """Return a lock that serializes database work on the in-memory SQLite test database.

    That database shares one cache between threads and fails with "table is locked" instead
    of waiting on its busy timeout, so there requests and swaps take turns. On PostgreSQL
    and file SQLite they overlap for real.
    """
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        return threading.Lock()
    return contextlib.nullcontext()


@pytest.mark.django_db(transaction=True)
def test_requests_during_swaps_all_answered_once(agent, api_channel, api_token):
    candidate = clone_agent(agent)
    finished_run(agent, passed=1)
    finished_run(candidate, passed=1)
    url = f"/api/v1/agents/{agent.public_id}/chat"
    statuses, errors = [], []
    start = threading.Barrier(THREADS + 1)
    lock = database_lock()

    def call_api():
        client = Client()
        start.wait()
        try:
            for _ in range(REQUESTS_PER_THREAD):
                with lock:
                    response = client.post(
                        url,
                        data=json.dumps({"message": "When do parcels leave the warehouse?"}),
                        content_type="application/json",
                        HTTP_AUTHORIZATION=f"Bearer {api_token}",
                    )
                statuses.append((response.status_code, response.content[:300]))
        except Exception as error:  # collected so the main thread can report it
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=call_api) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    start.wait()
    for _ in range(SWAPS):
        with lock:
            events = swap_channels(candidate, [api_channel.public_id])
        with lock:
            rollback_batch(agent.organization, events[0].batch_id)
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert len(statuses) == THREADS * REQUESTS_PER_THREAD
    assert [status for status, _body in statuses if status != 200] == []
    traces = list(Trace.objects.filter(channel=api_channel))
    assert len(traces) == THREADS * REQUESTS_PER_THREAD
    assert {trace.agent_id for trace in traces} <= {agent.pk, candidate.pk}
    assert all(trace.status == "ok" for trace in traces)
    assert all("Rotterdam" in trace.response_text for trace in traces)


@pytest.mark.django_db
def test_turn_in_flight_finishes_on_its_agent(agent, api_channel):
    candidate = clone_agent(agent)
    finished_run(agent, passed=1)
    finished_run(candidate, passed=1)
    channel = Channel.objects.select_related("agent__organization__plan").get(pk=api_channel.pk)
    turn = async_to_sync(prepare_turn)(channel.agent, channel, "When do parcels leave the warehouse?")

    swap_channels(candidate, [api_channel.public_id])
    result = async_to_sync(turn.complete)()

    assert result.error is None
    assert result.trace.agent_id == agent.pk
    assert result.conversation.agent_id == agent.pk
    api_channel.refresh_from_db()
    assert api_channel.agent_id == candidate.pk
