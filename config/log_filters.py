"""Logging filters used by settings.LOGGING."""

import logging


class DropClientErrorTraceback(logging.Filter):
    """Remove the traceback from a 4xx request log: a 403 or 404 is an expected response, not a crash."""

    def filter(self, record):
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
