from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_tables2 import RequestConfig

from ..forms import InviteForm, RolesForm, role_summaries
from ..members import AlreadyMemberError, LastManagerError, change_roles, invite_member, remove_member
from ..models import Membership
from ..htmx import full_page_redirect
from ..permissions import Perm
from ..scoping import get_for_org, permission_required
from ..tables import MembershipTable

TEMPLATE = "orgs/members.html"


def _render_members(request, invite_form=None):
    queryset = Membership.objects.filter(organization=request.organization).select_related("user")
    table = MembershipTable(queryset)
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    context = {
        "table": table,
        "invite_form": invite_form or InviteForm(),
        "role_summaries": role_summaries(),
    }
    # htmx requests (sorting, paging, removing a member) swap only the table.
    template = f"{TEMPLATE}#members-table" if request.htmx and invite_form is None else TEMPLATE
    return render(request, template, context)


@require_http_methods(["GET"])
@permission_required(Perm.MANAGE_ORG)
def members(request):
    """List the organization's members, with the invitation form."""
    return _render_members(request)


@require_POST
@permission_required(Perm.MANAGE_ORG)
def invite(request):
    """Invite a person by email. A new account gets a set-password link in that email."""
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _render_members(request, invite_form=form)
    email = form.cleaned_data["email"]
    try:
        membership, resent = invite_member(
            request, request.organization, email, form.cleaned_data["roles"]
        )
    except AlreadyMemberError as exc:
        form.add_error("email", str(exc))
        return _render_members(request, invite_form=form)
    if resent:
        messages.success(request, _("The invitation to %(email)s was sent again.") % {"email": email})
    else:
        messages.success(request, _("%(email)s was invited by email.") % {"email": email})
    return redirect("orgs:members")


@require_http_methods(["GET", "POST"])
def edit_roles(request, public_id):
    """Show and change one member's roles."""
    membership = get_for_org(
        request, Membership.objects.select_related("user", "organization"), Perm.MANAGE_ORG,
        public_id=public_id,
    )
    if request.method == "POST":
        form = RolesForm(request.POST)
        if form.is_valid():
            try:
                change_roles(request, membership, form.cleaned_data["roles"])
            except LastManagerError as exc:
                form.add_error("roles", str(exc))
            else:
                messages.success(
                    request, _("Roles of %(email)s were saved.") % {"email": membership.user.email}
                )
                if membership.user_id == request.user.pk and Perm.MANAGE_ORG not in membership.permissions:
                    # Without the manage permission the members page would return 403.
                    return redirect("dashboard")
                return redirect("orgs:members")
    else:
        form = RolesForm(initial={"roles": membership.roles})
    context = {"membership": membership, "form": form, "role_summaries": role_summaries()}
    return render(request, "orgs/member_roles.html", context)


@require_POST
def remove(request, public_id):
    """Remove a member from the organization; the last member who can manage it stays."""
    membership = get_for_org(
        request, Membership.objects.select_related("user", "organization"), Perm.MANAGE_ORG,
        public_id=public_id,
    )
    email = membership.user.email
    try:
        remove_member(request, membership)
    except LastManagerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(email)s was removed from the organization.") % {"email": email})
        if membership.user_id == request.user.pk:
            # The user left this organization, so the members page is no longer theirs.
            return full_page_redirect(request, reverse("dashboard"))
    if request.htmx:
        return _render_members(request)
    return redirect("orgs:members")
