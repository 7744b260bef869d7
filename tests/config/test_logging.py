"""Request logging: one line per 403 or 404, without a traceback; 500s keep theirs."""

import logging

import pytest

from config.log_filters import DropClientErrorTraceback


def record(status_code):
    try:
        raise PermissionError("denied")
    except PermissionError as error:
        exc_info = (type(error), error, error.__traceback__)
    entry = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Forbidden: /agents/", None, exc_info)
    entry.status_code = status_code
    return entry


@pytest.mark.parametrize("status_code", [403, 404])
def test_client_error_loses_traceback(status_code):
    entry = record(status_code)

    assert DropClientErrorTraceback().filter(entry) is True
    assert entry.exc_info is None


def test_server_error_keeps_traceback():
    entry = record(500)

    assert DropClientErrorTraceback().filter(entry) is True
    assert entry.exc_info is not None


def test_request_logger_filtered_once():
    request_logger = logging.getLogger("django.request")
    django_logger = logging.getLogger("django")

    assert any(isinstance(item, DropClientErrorTraceback) for item in request_logger.filters)
    # Records reach the console through the root logger only, so each prints once.
    assert django_logger.handlers == []
    assert django_logger.propagate is True
