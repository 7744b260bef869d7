"""The expiry calendar: issuing and revoking a member's feed token, and the .ics feed itself."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from orgs.htmx import full_page_redirect
from orgs.models import Membership
from orgs.permissions import Perm
from orgs.scoping import permission_required

from ..expiry_calendar import build_calendar, find_token, issue_token, revoke_tokens
from .pages import render_key_list


@require_POST
@permission_required(Perm.VIEW_KEYS)
def calendar_token(request):
    """Issue a new feed URL (revoking the previous one) and show it once."""
    token = issue_token(request.user, request.organization)
    feed_url = request.build_absolute_uri(reverse("keys:calendar_feed", args=[token]))
    return render_key_list(request, {"calendar_feed_url": feed_url})


@require_POST
@permission_required(Perm.VIEW_KEYS)
def calendar_token_revoke(request):
    """Revoke the member's feed URL; calendar apps subscribed to it get 404 from now on."""
    if revoke_tokens(request.user, request.organization):
        messages.success(request, _("The calendar link was revoked."))
    return full_page_redirect(request, reverse("keys:list"))


@login_not_required
@require_GET
def calendar_feed(request, token):
    """Serve the iCalendar feed; 404 for unknown or revoked tokens and for former members."""
    calendar_token = find_token(token)
    if calendar_token is None or not calendar_token.user.is_active:
        raise Http404("Unknown calendar link.")
    membership = Membership.objects.filter(
        user=calendar_token.user, organization=calendar_token.organization
    ).first()
    if membership is None or Perm.VIEW_KEYS not in membership.permissions:
        raise Http404("Unknown calendar link.")
    response = HttpResponse(build_calendar(calendar_token.organization), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="llm-key-expiries.ics"'
    response["Cache-Control"] = "private, no-store"
    return response
