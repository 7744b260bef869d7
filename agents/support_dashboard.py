"""The dashboard banner shown to organization admins while platform support access is granted."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from orgs.permissions import Perm

from .support_access import active_grant


def banners(request):
    """Return an info banner for members with Perm.MANAGE_ORG while a grant is active."""
    organization = getattr(request, "organization", None)
    if organization is None or Perm.MANAGE_ORG not in request.perms:
        return []
    grant = active_grant(organization)
    if grant is None:
        return []
    return [
        {
            "level": "info",
            "message": _("Platform support can open this organization's traces until %(end)s.")
            % {"end": timezone.localtime(grant.ends_at).strftime("%Y-%m-%d %H:%M")},
            "url": reverse("traces:support_access"),
            "link_text": _("Manage support access"),
        }
    ]
