"""Membership changes (invite, change roles, remove), each audited.

The organization must keep at least one member who can manage it: a change that would leave
no active member with `Perm.MANAGE_ORG` raises LastManagerError and changes nothing.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from . import audit
from .models import Membership
from .permissions import Perm, permissions_for_roles

logger = logging.getLogger(__name__)


class LastManagerError(Exception):
    """The change would leave the organization without a member who can manage it."""


class AlreadyMemberError(Exception):
    """The invited person is already a member who has set a password."""


def _lock_memberships(organization):
    # On PostgreSQL this locks the organization's memberships until the transaction ends,
    # so two admins demoting each other at once cannot both succeed. SQLite ignores it, but
    # there every write transaction starts with BEGIN IMMEDIATE (see DATABASES), which
    # serializes writers the same way.
    return list(
        Membership.objects.select_for_update()
        .filter(organization=organization)
        .select_related("user")
        .order_by("pk")
    )


def _managers_after(memberships, changed, new_roles):
    count = 0
    for membership in memberships:
        roles = new_roles if membership.pk == changed.pk else membership.roles
        if membership.user.is_active and Perm.MANAGE_ORG in permissions_for_roles(roles):
            count += 1
    return count


def _ensure_a_manager_remains(organization, membership, new_roles):
    memberships = _lock_memberships(organization)
    if _managers_after(memberships, membership, new_roles) == 0:
        raise LastManagerError(
            _(
                "%(email)s is the last member who can manage this organization. "
                "Give another member that role first."
            )
            % {"email": membership.user.email}
        )


def change_roles(request, membership, roles):
    """Set membership's roles, unless that leaves no member able to manage the organization."""
    organization = membership.organization
    before = list(membership.roles)
    with transaction.atomic():
        _ensure_a_manager_remains(organization, membership, roles)
        membership.roles = list(roles)
        membership.save(update_fields=["roles"])
        audit.record(
            organization,
            "member.roles_changed",
            request=request,
            target=membership,
            details={"email": membership.user.email, "before": before, "after": list(roles)},
        )
    return membership


def remove_member(request, membership):
    """Delete membership, unless it is the last one able to manage the organization.

    The user account stays, because the person may belong to other organizations.
    """
    organization = membership.organization
    with transaction.atomic():
        _ensure_a_manager_remains(organization, membership, [])
        audit.record(
            organization,
            "member.removed",
            request=request,
            target=membership,
            details={"email": membership.user.email, "roles": list(membership.roles)},
        )
        membership.delete()


def invite_member(request, organization, email, roles):
    """Add the person with this email to organization, email them, return (membership, resent).

    A new account gets no usable password: the email carries a set-password link (Django's
    password reset token, valid for settings.PASSWORD_RESET_TIMEOUT seconds). Inviting a member
    who has not set a password yet sends a fresh link and keeps their roles. Raises
    AlreadyMemberError for a member who has set a password.
    """
    User = get_user_model()
    email = User.objects.normalize_email(email).lower()
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).order_by("pk").first()
        if user is None:
            user = User.objects.filter(username__iexact=email).order_by("pk").first()
        if user is None:
            user = User(username=email, email=email)
            user.set_unusable_password()
            user.save()
        membership = Membership.objects.filter(user=user, organization=organization).first()
        if membership is not None and user.has_usable_password():
            raise AlreadyMemberError(
                _("%(email)s is already a member of %(organization)s.")
                % {"email": email, "organization": organization.name}
            )
        resent = membership is not None
        if membership is None:
            membership = Membership.objects.create(
                user=user, organization=organization, roles=list(roles)
            )
        audit.record(
            organization,
            "member.invitation_resent" if resent else "member.invited",
            request=request,
            target=membership,
            details={"email": email, "roles": list(membership.roles)},
        )
    _send_invitation(request, organization, user)
    return membership, resent


def _send_invitation(request, organization, user):
    context = {
        "organization": organization,
        "inviter": request.user.get_full_name() or request.user.email,
        "login_url": request.build_absolute_uri(reverse("login")),
        "set_password_url": None,
        "expiry_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
    }
    if not user.has_usable_password():
        path = reverse(
            "password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        context["set_password_url"] = request.build_absolute_uri(path)
    subject = render_to_string("orgs/email/invitation_subject.txt", context).strip()
    body = render_to_string("orgs/email/invitation_body.txt", context)
    send_mail(subject, body, None, [user.email])
    logger.info("invitation sent: organization=%s user=%s", organization.public_id, user.pk)
