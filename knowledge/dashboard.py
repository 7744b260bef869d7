"""Dashboard hooks: a knowledge panel for builders and a banner for failed documents."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from orgs.permissions import Perm

from .models import Document


def _counts(organization):
    return Document.objects.filter(organization=organization).aggregate(
        total=Count("id"),
        processing=Count("id", filter=Q(status__in=Document.PROCESSING_STATUSES)),
        failed=Count("id", filter=Q(status=Document.Status.FAILED)),
        bases=Count("knowledge_base", distinct=True),
    )


def panel(request):
    if getattr(request, "organization", None) is None or Perm.BUILD not in request.perms:
        return None
    return {"template": "knowledge/_panel.html", "context": {"knowledge_counts": _counts(request.organization)}}


def banners(request):
    if getattr(request, "organization", None) is None or Perm.BUILD not in request.perms:
        return []
    failed = Document.objects.filter(organization=request.organization, status=Document.Status.FAILED).count()
    if not failed:
        return []
    return [
        {
            "level": "warning",
            "message": ngettext(
                "%(count)s document failed to process.", "%(count)s documents failed to process.", failed
            )
            % {"count": failed},
            "url": reverse("knowledge:list"),
            "link_text": _("Review documents"),
        }
    ]
