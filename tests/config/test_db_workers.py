"""config.db_workers: chat database work on long-lived threads that keep their connections.

These tests commit their data (transaction=True), because a worker thread has its own
connection and cannot see the rows of a test's open transaction.
"""

import threading

import pytest
from asgiref.sync import async_to_sync
from django.db import connection, transaction

from config import db_workers
from config.db_workers import run_in_db_worker, shutdown_db_workers
from orgs.models import Plan

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def one_worker(settings):
    settings.DB_WORKER_THREADS = 1
    yield
    shutdown_db_workers()


def thread_and_connection():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return threading.current_thread().name, id(connection.connection)


def test_worker_keeps_its_connection_across_calls(one_worker):
    first_thread, first_connection = async_to_sync(run_in_db_worker)(thread_and_connection)
    second_thread, second_connection = async_to_sync(run_in_db_worker)(thread_and_connection)

    assert first_thread.startswith("db-worker")
    assert second_thread == first_thread
    assert second_connection == first_connection


def test_worker_reads_and_commits_rows(one_worker, plan):
    def rename():
        Plan.objects.filter(pk=plan.pk).update(name="Renamed in a worker")
        return Plan.objects.get(pk=plan.pk).name

    assert async_to_sync(run_in_db_worker)(rename) == "Renamed in a worker"
    plan.refresh_from_db()
    assert plan.name == "Renamed in a worker"


@pytest.fixture
def health_checks(monkeypatch):
    """Count the is_usable() checks that worker connections make."""
    from django.db import connections

    wrapper_class = type(connections["default"])
    original = wrapper_class.is_usable
    checks = []

    def counted(self):
        checks.append(threading.current_thread().name)
        return original(self)

    monkeypatch.setattr(wrapper_class, "is_usable", counted)
    return checks


def test_broken_connection_is_replaced_before_the_next_call(one_worker, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("Only a server connection can break; the PostgreSQL pass of CI runs this test.")
    monkeypatch.setattr(db_workers, "HEALTH_CHECK_AFTER_IDLE_SECONDS", 0)

    def break_connection():
        connection.connection.close()  # as if the server had closed it between two calls

    def server_process():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]

    before = async_to_sync(run_in_db_worker)(server_process)
    async_to_sync(run_in_db_worker)(break_connection)
    after = async_to_sync(run_in_db_worker)(server_process)

    # A new server process serves the worker: the broken connection was replaced.
    assert after != before


def test_only_connections_idle_for_a_while_are_checked(one_worker, health_checks, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("Health checks apply to PostgreSQL connections; the PostgreSQL pass of CI runs this test.")

    async_to_sync(run_in_db_worker)(thread_and_connection)  # opens the connection
    async_to_sync(run_in_db_worker)(thread_and_connection)  # used just now: no check
    assert health_checks == []

    monkeypatch.setattr(db_workers, "HEALTH_CHECK_AFTER_IDLE_SECONDS", 0)
    async_to_sync(run_in_db_worker)(thread_and_connection)  # idle "long enough": one check
    assert len(health_checks) == 1


def test_open_transaction_is_rolled_back(one_worker, plan):
    def leave_transaction_open():
        transaction.set_autocommit(False)
        Plan.objects.filter(pk=plan.pk).update(name="Never committed")

    def autocommit_and_name():
        return connection.get_autocommit(), Plan.objects.get(pk=plan.pk).name

    async_to_sync(run_in_db_worker)(leave_transaction_open)

    assert async_to_sync(run_in_db_worker)(autocommit_and_name) == (True, plan.name)


def test_zero_threads_runs_in_the_callers_thread(settings):
    settings.DB_WORKER_THREADS = 0

    thread, _connection = async_to_sync(run_in_db_worker)(thread_and_connection)

    assert thread == threading.current_thread().name


def test_exceptions_reach_the_caller(one_worker):
    def fail():
        raise ValueError("from the worker")

    with pytest.raises(ValueError, match="from the worker"):
        async_to_sync(run_in_db_worker)(fail)


def test_active_language_carries_over_to_the_worker(one_worker):
    from django.utils import translation

    async def ask():
        with translation.override("zh-hans"):
            return await run_in_db_worker(translation.get_language)

    assert async_to_sync(ask)() == "zh-hans"


def prepared_statements():
    for _ in range(6):  # past psycopg's prepare threshold of 5
        Plan.objects.filter(slug="no-such-plan").exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%orgs_plan%'")
        return cursor.fetchone()[0]


def test_worker_connections_prepare_repeated_statements(one_worker, settings):
    if connection.vendor != "postgresql":
        pytest.skip("Prepared statements are a PostgreSQL setting; the PostgreSQL pass of CI runs this test.")

    assert async_to_sync(run_in_db_worker)(prepared_statements) >= 1
    # The test's own connection, like every connection outside the workers, prepares nothing.
    assert prepared_statements() == 0


def test_prepared_statements_can_be_turned_off(one_worker, settings):
    if connection.vendor != "postgresql":
        pytest.skip("Prepared statements are a PostgreSQL setting; the PostgreSQL pass of CI runs this test.")
    settings.DATABASE_PREPARED_STATEMENTS = False

    assert async_to_sync(run_in_db_worker)(prepared_statements) == 0
