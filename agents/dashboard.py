"""The agents panel on the dashboard."""

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from orgs.permissions import Perm

from .models import Agent, Trace
from .support_dashboard import banners  # noqa: F401  (the support-access banner for admins)


def panel(request):
    """Return the agents panel for members who build agents, else None."""
    if request.organization is None or Perm.BUILD not in request.perms:
        return None
    since = timezone.now() - timedelta(days=7)
    turns = Trace.objects.filter(organization=request.organization, created_at__gte=since).aggregate(
        total=Count("id"), failed=Count("id", filter=~Q(status="ok"))
    )
    return {
        "template": "agents/_panel.html",
        "context": {
            "agent_count": Agent.objects.filter(organization=request.organization).count(),
            "turns": turns["total"],
            "failed": turns["failed"],
        },
    }
