"""htmx helpers shared by every app's views."""

from django.http import HttpResponse
from django.shortcuts import redirect


def full_page_redirect(request, url):
    """Redirect to url; htmx requests get HX-Redirect so the whole page changes, not a fragment."""
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=200)
        response["HX-Redirect"] = url
        return response
    return redirect(url)
