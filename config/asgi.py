"""ASGI entry point. The REST API runs a shorter middleware list than the dashboard.

Requests under API_PATH_PREFIX go to a Django handler built from API_MIDDLEWARE (see
config/settings.py), every other request to the usual handler built from MIDDLEWARE. Both
are Django's own ASGIHandler, so signals, exception handling and URL routing are the same.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_asgi_application()

from django.conf import settings  # noqa: E402  (after Django is set up)
from django.core.handlers.asgi import ASGIHandler  # noqa: E402


class APIHandler(ASGIHandler):
    """Django's ASGI handler with settings.API_MIDDLEWARE in place of settings.MIDDLEWARE."""

    def load_middleware(self, is_async=False):
        # BaseHandler.load_middleware reads settings.MIDDLEWARE. It runs once, while this
        # module is imported and before any request is served.
        middleware = settings.MIDDLEWARE
        settings.MIDDLEWARE = settings.API_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = middleware

    async def __call__(self, scope, receive, send):
        """Handle one API request, without a thread of its own when database workers are on.

        Django's handler gives each request a thread for its synchronous code, and creating
        and joining that thread is paid on every request. With DB_WORKER_THREADS > 0 the API
        runs its database work on the worker threads, so all that is left for such a thread
        is the request_started and request_finished receivers (close_old_connections and the
        like). asgiref's one shared thread runs those instead.
        """
        if settings.DB_WORKER_THREADS <= 0:
            await super().__call__(scope, receive, send)
            return
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await self.handle(scope, receive, send)


api_application = APIHandler()


def is_api_request(scope) -> bool:
    if scope["type"] != "http":
        return False
    path = scope["path"]
    root_path = scope.get("root_path", "")
    if root_path and path.startswith(root_path):
        path = path[len(root_path) :]
    return path.startswith(settings.API_PATH_PREFIX)


async def application(scope, receive, send):
    if is_api_request(scope):
        await api_application(scope, receive, send)
    else:
        await django_application(scope, receive, send)
