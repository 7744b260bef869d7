"""The API's middleware (settings.API_MIDDLEWARE): Django's own, run on the event loop.

In an async middleware chain, Django's MiddlewareMixin runs each `process_request` and
`process_response` through `sync_to_async`, one thread hop each, because a hook might block.
The hooks of these three only read the request and set headers or the active language, so
these subclasses call them directly on the event loop.
"""

from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.locale import LocaleMiddleware
from django.middleware.security import SecurityMiddleware


class NonBlockingHooks:
    """Mixin for a MiddlewareMixin subclass whose hooks do no I/O: async calls run them inline."""

    async def __acall__(self, request):
        response = None
        if hasattr(self, "process_request"):
            response = self.process_request(request)
        response = response or await self.get_response(request)
        if hasattr(self, "process_response"):
            response = self.process_response(request, response)
        return response


class APISecurityMiddleware(NonBlockingHooks, SecurityMiddleware):
    pass


class APILocaleMiddleware(NonBlockingHooks, LocaleMiddleware):
    pass


class APIXFrameOptionsMiddleware(NonBlockingHooks, XFrameOptionsMiddleware):
    pass
