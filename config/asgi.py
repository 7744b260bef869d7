"""ASGI entry point. The REST API runs a shorter middleware list than the dashboard.

Requests under API_PATH_PREFIX go to a Django handler built from API_MIDDLEWARE (see
config/settings.py), every other request to the usual handler built from MIDDLEWARE. Both
are Django's ASGIHandler, so exception handling and URL routing are the same; the API's
handler sends the request signals on the event loop (see `APIHandler.handle`).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_asgi_application()

from asgiref.sync import sync_to_async  # noqa: E402
from django.conf import settings  # noqa: E402  (after Django is set up)
from django.core import signals  # noqa: E402
from django.core.exceptions import RequestAborted  # noqa: E402
from django.core.handlers.asgi import ASGIHandler, get_script_prefix  # noqa: E402
from django.db import connections  # noqa: E402
from django.urls import set_script_prefix  # noqa: E402


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
        like), which `handle` runs on the event loop instead.
        """
        if settings.DB_WORKER_THREADS <= 0:
            await super().__call__(scope, receive, send)
            return
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await self.handle(scope, receive, send)

    async def handle(self, scope, receive, send):
        """Django's `ASGIHandler.handle`, with two differences for the API.

        The request signals are sent on the event loop when they can be. Django sends
        request_started, and request_finished from `response.close()`, through sync_to_async:
        a hop to another thread and back, 0.1 to 0.2 ms each on every request. Their
        receivers (close_old_connections, reset_queries) act on the database connections of
        the calling context, and the event loop's context normally has none: the API's
        database work runs on the worker threads. When it has one (asgiref's async_to_sync
        can copy one into it, as in tests), they go through sync_to_async as in Django. Only
        non-blocking receivers may be connected to these two signals.

        A client that disconnects does not cancel the view. A chat turn whose provider call
        is under way then still settles its quota and records its usage. uvicorn discards
        the response, because the connection is closed.
        """
        if settings.DB_WORKER_THREADS <= 0:
            await super().handle(scope, receive, send)
            return
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))
        inline = not any(True for _ in connections.all(initialized_only=True))
        if inline:
            signals.request_started.send(sender=self.__class__, scope=scope)
        else:
            await signals.request_started.asend(sender=self.__class__, scope=scope)
        try:
            request, response = self.create_request(scope, body_file)
            if request is not None:
                response = await self.run_get_response(request)
            try:
                await self.send_response(response, send)
            finally:
                if inline:
                    response.close()
                else:
                    await sync_to_async(response.close)()
        finally:
            body_file.close()


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
