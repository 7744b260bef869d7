"""The REST API's error response: `{"error": {"code", "message"}}` with an HTTP status."""

from django.http import JsonResponse


def error_response(status, code, message, headers=None):
    """Return the API's JSON error. A 401 names the Bearer scheme, as RFC 6750 requires."""
    if status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": 'Bearer realm="FlexyAgents API"'}
    return JsonResponse({"error": {"code": code, "message": str(message)}}, status=status, headers=headers)
