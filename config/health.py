"""Liveness check for load balancers: database and Celery broker must both answer."""

import logging

from django.db import connection
from django.http import JsonResponse
from django.contrib.auth.decorators import login_not_required
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def _database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True, "ok"
    except Exception as exc:  # any driver error means "down"; the reason is logged
        logger.warning("health check: database failed: %s", type(exc).__name__)
        return False, type(exc).__name__


def _broker_ok():
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True, "ok"
    except Exception as exc:  # kombu raises transport-specific errors
        logger.warning("health check: broker failed: %s", type(exc).__name__)
        return False, type(exc).__name__


@login_not_required
@never_cache
@require_GET
def healthz(request):
    db_ok, db_detail = _database_ok()
    broker_ok, broker_detail = _broker_ok()
    healthy = db_ok and broker_ok
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            "database": db_detail,
            "broker": broker_detail,
        },
        status=200 if healthy else 503,
    )
