from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import resolve_url

from .models import Membership

SESSION_ORG_KEY = "current_org"


class CurrentOrganizationMiddleware:
    """Set `request.organization`, `request.membership` and `request.perms`.

    The organization is the one the user picked (stored in the session) if the user is still
    a member of it, else the user's first membership. Views read only these attributes, so
    the organization a request acts on is explicit in every request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.organization = None
        request.membership = None
        request.perms = frozenset()
        if request.user.is_authenticated:
            memberships = list(
                Membership.objects.filter(user=request.user)
                .select_related("organization", "organization__plan")
                .order_by("organization__name")
            )
            request.memberships = memberships
            chosen = request.session.get(SESSION_ORG_KEY)
            membership = next(
                (m for m in memberships if str(m.organization.public_id) == chosen),
                memberships[0] if memberships else None,
            )
            if membership is not None:
                request.membership = membership
                request.organization = membership.organization
                request.perms = membership.permissions
        else:
            request.memberships = []
        return self.get_response(request)


class HtmxLoginRedirectMiddleware:
    """Send an htmx request whose session expired to the login page as a whole page.

    Without this, htmx would swap the login form into the fragment's target. The `next`
    parameter is the page the user was on (HX-Current-URL), not the fragment URL.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.headers.get("HX-Request") != "true" or response.status_code != 302:
            return response
        login_path = resolve_url(settings.LOGIN_URL)
        if urlsplit(response.get("Location", "")).path != login_path:
            return response
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        next_url = current.path or "/"
        if current.query:
            next_url += "?" + current.query
        redirect = HttpResponse(status=200)
        redirect["HX-Redirect"] = f"{login_path}?{urlencode({'next': next_url})}"
        return redirect
