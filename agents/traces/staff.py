"""The platform support staff's entry page: organizations that currently grant support access."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..support_access import is_platform_support, organizations_with_active_grants


@require_GET
def staff_index(request):
    # NOTE: this page lists organization names only, so it writes no "support.view" event; every
    # page inside an organization does.
    if not is_platform_support(request.user):
        raise PermissionDenied
    return render(request, "agents/support/staff_index.html", {"granting": organizations_with_active_grants()})
