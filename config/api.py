"""The REST API under /api/v1/. Each app that offers endpoints has an `api.py` with a `router`."""

import functools
import logging
from importlib import import_module

from django.contrib.auth.decorators import login_not_required
from django.utils.translation import gettext as _
from ninja import NinjaAPI

from config.api_errors import error_response

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="FlexyAgents API",
    version="1",
    urls_namespace="api",
    openapi_url="/openapi.json",
    # django-ninja's interactive docs load Swagger UI from a CDN, which deployments behind a
    # firewall cannot reach; the OpenAPI document itself is served.
    docs_url=None,
)

@api.exception_handler(Exception)
def internal_error(request, exc):
    """Return the API's JSON 500 error for an unexpected exception, instead of Django's HTML page.

    django-ninja's own handlers (validation, HttpError, authentication) are more specific and
    still apply. The exception's text is logged, never sent: it may name internal values.
    """
    logger.error("Internal error in API request %s %s", request.method, request.path, exc_info=exc)
    message = _(
        "The server failed to complete the request. Try again; if it keeps failing, tell the "
        "operator the time of the request."
    )
    return error_response(500, "internal_error", message)


# (app module, URL prefix) of the routers mounted under /api/v1/.
ROUTERS = [("agents.api", "/agents"), ("keys.api", "/keys"), ("knowledge.api", "/knowledge"), ("usage.api", "/usage")]

for module_name, prefix in ROUTERS:
    try:
        module = import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        continue
    api.add_router(prefix, module.router)


def _exempt_from_login(pattern):
    """Return pattern with a callback that LoginRequiredMiddleware lets through.

    API endpoints authenticate with bearer tokens, not sessions. The callback is wrapped in a
    partial (which keeps async views async) and keeps its attributes, such as csrf_exempt.
    django-ninja sets csrf_exempt on its views. That is sound here because the only endpoint
    that accepts POST (agent chat) authenticates with an Authorization header that a browser
    never attaches on its own, so a forged cross-site request carries no credential.
    """
    callback = functools.partial(pattern.callback)
    callback.__dict__.update(getattr(pattern.callback, "__dict__", {}))
    callback.login_required = False
    pattern.callback = callback
    return pattern


def api_urls():
    """Return the API's URL patterns, each reachable without a session."""
    patterns, app_name, namespace = api.urls
    for entry in patterns:
        if hasattr(entry, "url_patterns"):
            for pattern in entry.url_patterns:
                _exempt_from_login(pattern)
        else:
            _exempt_from_login(entry)
    return patterns, app_name, namespace


@login_not_required
def api_not_found(request, path=""):
    """Return the API's JSON 404 error for a path under /api/ that no endpoint serves."""
    message = _("No API endpoint is at %(path)s: see /api/v1/openapi.json for the endpoints.") % {
        "path": request.path
    }
    return error_response(404, "not_found", message)
