from django import template

from orgs.permissions import Perm

from .. import reports

register = template.Library()


@register.filter
def thousands(value):
    """Format an integer with comma thousands separators (1234567 -> 1,234,567)."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return value


@register.inclusion_tag("usage/_quota_bars.html")
def quota_bars(request):
    """Render used/limit bars of the current billing period's quotas, for members who may see usage."""
    organization = getattr(request, "organization", None)
    if organization is None or Perm.VIEW_USAGE not in request.perms and Perm.VIEW_PLAN not in request.perms:
        return {"bars": []}
    return {"bars": reports.quota_usage_for(request)}
