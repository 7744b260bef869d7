"""Access rules for an organization's traces, and the rights of each kind of reader.

Two kinds of people read traces:

- members of the organization with Perm.VIEW_TRACES (support, builder, admin roles);
- platform support staff: Django staff users in the "platform support" group, and only while
  the organization has an active SupportAccessGrant. Every page they open is recorded as a
  "support.view" AuditEvent in the organization's audit log.

Views build a `TraceScope` first and read the organization, the URL prefix and the
reproduce rights from it, so member and staff pages share one code path.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from orgs import audit
from orgs.models import Organization
from orgs.permissions import Perm
from orgs.scoping import require_perm

from .models import SupportAccessGrant
from .models.agents import AgentStrategy

PLATFORM_SUPPORT_GROUP = "platform support"


def is_platform_support(user) -> bool:
    """Return True for an active Django staff user in the "platform support" group."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return user.groups.filter(name=PLATFORM_SUPPORT_GROUP).exists()


def active_grant(organization, now=None):
    """Return the organization's active grant that ends last, or None."""
    return (
        SupportAccessGrant.objects.active(now)
        .filter(organization=organization)
        .order_by("-ends_at")
        .first()
    )


def grant_access(organization, *, granted_by, days, reason="", request=None) -> SupportAccessGrant:
    """Grant platform support access for `days` days from now and record it in the audit log."""
    now = timezone.now()
    grant = SupportAccessGrant(
        organization=organization,
        granted_by=granted_by,
        starts_at=now,
        ends_at=now + timedelta(days=days),
        reason=reason,
    )
    grant.full_clean()
    grant.save()
    audit.record(
        organization,
        "support_access.granted",
        request=request,
        actor=granted_by,
        target=grant,
        details={"days": days, "ends_at": grant.ends_at.isoformat(), "reason": reason},
    )
    return grant


def revoke_access(grant, *, revoked_by, request=None) -> bool:
    """Revoke grant now; return False when it was already revoked or had ended."""
    now = timezone.now()
    updated = SupportAccessGrant.objects.filter(
        pk=grant.pk, revoked_at__isnull=True, ends_at__gt=now
    ).update(revoked_at=now, revoked_by=revoked_by)
    if not updated:
        return False
    grant.refresh_from_db()
    audit.record(
        grant.organization,
        "support_access.revoked",
        request=request,
        actor=revoked_by,
        target=grant,
        details={"ends_at": grant.ends_at.isoformat()},
    )
    return True


def organizations_with_active_grants(now=None):
    """Return [(organization, grant)] for every organization support staff may open now."""
    grants = (
        SupportAccessGrant.objects.active(now)
        .select_related("organization")
        .order_by("organization__name", "-ends_at")
    )
    chosen = {}
    for grant in grants:
        chosen.setdefault(grant.organization_id, grant)
    return [(grant.organization, grant) for grant in chosen.values()]


@dataclass
class TraceScope:
    """The organization whose traces a request may read, and how it reached them."""

    organization: Organization
    staff: bool
    can_reproduce_byok: bool
    grant: SupportAccessGrant | None = None

    def url(self, name, **kwargs) -> str:
        """Reverse a trace URL name inside this scope (the staff variant carries the org id)."""
        if self.staff:
            kwargs["org_id"] = self.organization.public_id
            return reverse(f"traces:staff_{name}", kwargs=kwargs)
        return reverse(f"traces:{name}", kwargs=kwargs)

    def may_reproduce(self, trace) -> bool:
        """Return True when this viewer may re-run trace on its credential.

        Hosted turns cost the platform, so every trace reader may reproduce them. A BYOK turn
        would spend the customer's own key, so only members who manage the organization may.
        """
        return trace.billing_source != AgentStrategy.BYOK or self.can_reproduce_byok


def member_scope(request) -> TraceScope:
    """Return the scope of an organization member, or raise 404/403 like every org view."""
    require_perm(request, Perm.VIEW_TRACES)
    return TraceScope(
        organization=request.organization,
        staff=False,
        can_reproduce_byok=Perm.MANAGE_ORG in request.perms,
    )


def staff_scope(request, org_id) -> TraceScope:
    """Return the scope of platform support staff for org_id, and audit the page view.

    Raises 404 when the user is not platform support staff, the organization does not
    exist, or it has no active grant (none, expired or revoked), so nothing is disclosed.
    """
    if not is_platform_support(request.user):
        raise Http404("No support access.")
    organization = Organization.objects.select_related("plan").filter(public_id=org_id).first()
    if organization is None:
        raise Http404("No support access.")
    grant = active_grant(organization)
    if grant is None:
        raise Http404("No support access.")
    record_support_view(request, organization, grant)
    return TraceScope(organization=organization, staff=True, can_reproduce_byok=False, grant=grant)


def record_support_view(request, organization, grant):
    """Write the "support.view" AuditEvent for a page that platform staff opened."""
    match = request.resolver_match
    audit.record(
        organization,
        "support.view",
        request=request,
        target=grant,
        details={
            "page": match.url_name if match else "",
            "path": request.path,
            "method": request.method,
        },
    )
