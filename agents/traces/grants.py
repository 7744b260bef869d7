"""The organization admin's page that grants and revokes platform support access."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from orgs.models import AuditEvent
from orgs.permissions import Perm
from orgs.scoping import get_for_org, require_perm

from ..models import SupportAccessGrant
from ..models.support import MAX_GRANT_DAYS, MIN_GRANT_DAYS
from ..support_access import active_grant, grant_access, revoke_access

DEFAULT_GRANT_DAYS = 7


class GrantForm(forms.Form):
    days = forms.IntegerField(
        label=gettext_lazy("Length in days"),
        min_value=MIN_GRANT_DAYS,
        max_value=MAX_GRANT_DAYS,
        initial=DEFAULT_GRANT_DAYS,
        help_text=gettext_lazy("From 1 to 30 days, starting now. You can revoke access at any time."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Shown to support staff and in the audit log, e.g. a ticket number."),
    )


@require_http_methods(["GET", "POST"])
def support_access(request):
    require_perm(request, Perm.MANAGE_ORG)
    organization = request.organization
    current = active_grant(organization)
    form = GrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if current is not None:
            form.add_error(
                None,
                _("Support access is already granted until %(end)s. Revoke it first to set another period.")
                % {"end": timezone.localtime(current.ends_at).strftime("%Y-%m-%d %H:%M")},
            )
        else:
            grant = grant_access(
                organization,
                granted_by=request.user,
                days=form.cleaned_data["days"],
                reason=form.cleaned_data["reason"].strip(),
                request=request,
            )
            messages.success(
                request,
                _("Platform support can open this organization's traces until %(end)s.")
                % {"end": timezone.localtime(grant.ends_at).strftime("%Y-%m-%d %H:%M")},
            )
            return redirect("traces:support_access")
    grants = list(
        SupportAccessGrant.objects.filter(organization=organization).select_related("granted_by", "revoked_by")[:50]
    )
    views_by_grant = {}
    if grants:
        events = AuditEvent.objects.filter(
            organization=organization,
            action="support.view",
            target_type=SupportAccessGrant.__name__,
            target_id__in=[str(grant.public_id) for grant in grants],
        ).values_list("target_id", flat=True)
        for target_id in events:
            views_by_grant[target_id] = views_by_grant.get(target_id, 0) + 1
    for grant in grants:
        grant.support_views = views_by_grant.get(str(grant.public_id), 0)
    context = {
        "form": form,
        "current": current,
        "grants": grants,
        "can_view_audit": Perm.VIEW_AUDIT in request.perms,
    }
    return render(request, "agents/support/access.html", context, status=400 if form.errors else 200)


@require_POST
def support_access_revoke(request, grant_id):
    grant = get_for_org(request, SupportAccessGrant, Perm.MANAGE_ORG, public_id=grant_id)
    if revoke_access(grant, revoked_by=request.user, request=request):
        messages.success(request, _("Support access revoked: platform support can no longer open your traces."))
    else:
        messages.info(request, _("This grant had already ended or been revoked; nothing changed."))
    return redirect("traces:support_access")


