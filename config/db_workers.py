"""Long-lived threads for the database work of async views, each keeping its connection.

Under ASGI, Django runs a request's synchronous code in a thread made for that request, so
every request opens a database connection and closes it at the end. On SQLite that costs the
parse of the whole schema (about 1 ms here); on PostgreSQL without a pool, a new server
process. The chat hot path (API, widget, playground) instead runs its database work through
`run_in_db_worker`, on a fixed set of `DB_WORKER_THREADS` threads whose connections stay open
across requests.

A worker connection follows Django's rules for a persistent connection, except that its age
does not matter. Before each call, a connection that saw an error is checked and replaced if
unusable. With `CONN_HEALTH_CHECKS`, a connection idle for a second or more is also checked
before its first query of the call.
A call that leaves a transaction open (it never should) has it rolled back, so no call
inherits another's transaction.

With `DB_WORKER_THREADS=0` the work runs through Django's own `sync_to_async`, in the
request's thread. Tests that use a transaction per test need that, because a worker thread
has its own connection and cannot see uncommitted rows.
"""

import functools
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, connections
from django.dispatch import receiver

_executor = None
_executor_size = 0
_executor_lock = threading.Lock()


def _get_executor(size):
    global _executor, _executor_size
    with _executor_lock:
        if _executor is None or _executor_size != size:
            _shutdown_locked()
            _executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix="db-worker")
            _executor_size = size
        return _executor


def _close_thread_connections(barrier):
    # Every worker thread takes exactly one of these jobs: each waits until all are running.
    barrier.wait(timeout=30)
    for connection in connections.all(initialized_only=True):
        _close(connection)


def _shutdown_locked():
    global _executor, _executor_size
    if _executor is None:
        return
    barrier = threading.Barrier(_executor_size)
    jobs = [_executor.submit(_close_thread_connections, barrier) for _ in range(_executor_size)]
    for job in jobs:
        job.result(timeout=60)
    _executor.shutdown(wait=True)
    _executor, _executor_size = None, 0


def shutdown_db_workers():
    """Close every worker thread's database connections and stop the threads.

    The next `run_in_db_worker` starts new ones. Tests call this (through a settings change)
    so that no connection outlives the test database.
    """
    with _executor_lock:
        _shutdown_locked()


@receiver(setting_changed)
def _reset_on_setting_change(setting, **kwargs):
    if setting == "DB_WORKER_THREADS":
        shutdown_db_workers()


# A connection used less than this many seconds ago skips the CONN_HEALTH_CHECKS query at
# the start of a call, which saves a round trip per call on a busy worker. A connection that
# idled longer, the kind a server or proxy drops, is still checked.
HEALTH_CHECK_AFTER_IDLE_SECONDS = 1.0


def _prepare_connections():
    """Replace connections that saw an error and are no longer usable; schedule health checks."""
    now = time.monotonic()
    for connection in connections.all(initialized_only=True):
        if connection.connection is None:
            continue
        idle_since = getattr(connection, "db_worker_idle_since", None)
        connection.health_check_done = idle_since is not None and now - idle_since < HEALTH_CHECK_AFTER_IDLE_SECONDS
        if connection.errors_occurred:
            if connection.is_usable():
                connection.errors_occurred = False
                connection.health_check_done = True
            else:
                _close(connection)


def _release_connections():
    """Undo what a call left open: a transaction outside autocommit, or an atomic block."""
    for connection in connections.all(initialized_only=True):
        if connection.connection is None:
            continue
        connection.db_worker_idle_since = time.monotonic()
        if connection.in_atomic_block:
            _close(connection)
        elif not connection.get_autocommit():
            connection.rollback()
            connection.set_autocommit(True)


# psycopg's default: a statement is prepared on its fifth run on a connection.
PREPARE_THRESHOLD = 5


def _use_prepared_statements():
    """Bind on the server and prepare repeated statements on this thread's PostgreSQL connection.

    The token query of the chat API took 0.33 ms to plan and 0.05 ms to run. Only worker
    connections do this: their statements are short lookups and writes, whose plans do not
    depend on the values, while reports and search need plans made for their values.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS:
        return
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    raw = connection.connection
    if raw.cursor_factory is not ServerBindingCursor:
        raw.cursor_factory = ServerBindingCursor
        raw.prepare_threshold = PREPARE_THRESHOLD


def _restore_binding(connection):
    """Give a pooled PostgreSQL connection back as Django configures it: client-side binding."""
    if connection.vendor != "postgresql" or connection.connection is None:
        return
    from django.db.backends.postgresql.base import Cursor

    connection.connection.cursor_factory = Cursor
    connection.connection.prepare_threshold = None


def _close(connection):
    _restore_binding(connection)
    connection.close()


def _call_in_worker(function, args, kwargs):
    _prepare_connections()
    _use_prepared_statements()
    try:
        return function(*args, **kwargs)
    finally:
        _release_connections()


async def run_in_db_worker(function, *args, **kwargs):
    """Run the synchronous `function(*args, **kwargs)` on a database worker thread and return its result."""
    size = settings.DB_WORKER_THREADS
    if size <= 0:
        return await sync_to_async(function)(*args, **kwargs)
    # sync_to_async carries the caller's context over, including asgiref Locals such as the
    # active language, which a plain run_in_executor with a copied context does not.
    call = functools.partial(_call_in_worker, function, args, kwargs)
    return await sync_to_async(call, thread_sensitive=False, executor=_get_executor(size))()
