"""Org-scoped access: the first line of every view that touches an organization's data.

Objects of another organization answer 404 (their existence is not disclosed); members of
the right organization who lack the permission get 403.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from .permissions import Perm, denied_message


def require_perm(request, perm: Perm):
    """Raise PermissionDenied unless the current member has perm."""
    if request.organization is None:
        raise Http404("No organization selected.")
    if perm not in request.perms:
        raise PermissionDenied(denied_message(perm))


def get_for_org(request, queryset, perm: Perm, **lookup):
    """Return the object of the current organization matching lookup, or raise 404/403.

    `queryset` is a model or a queryset whose model has an `organization` foreign key.
    """
    if request.organization is None:
        raise Http404("No organization selected.")
    manager = getattr(queryset, "_default_manager", None)
    queryset = manager.all() if manager is not None else queryset
    obj = get_object_or_404(queryset, organization=request.organization, **lookup)
    require_perm(request, perm)
    return obj


def permission_required(perm: Perm):
    """Decorate a view so it runs only for members of the current organization with perm."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            require_perm(request, perm)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
