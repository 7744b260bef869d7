"""The role-to-permission table: the only place in the code base that names roles.

Views and templates ask for permissions (`Perm`), never for roles.
"""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    SECURITY = "security", _("Security")
    BUILDER = "builder", _("Builder")
    SUPPORT = "support", _("Support")
    FINANCE = "finance", _("Finance")


class Perm(StrEnum):
    MANAGE_ORG = "manage_org"  # members, plan, org settings
    VIEW_PLAN = "view_plan"  # read the plan and its quotas
    VIEW_KEYS = "view_keys"  # key list, masked
    MANAGE_KEYS = "manage_keys"  # add, rotate, revoke keys
    REVEAL_KEYS = "reveal_keys"  # reveal a secret (re-authenticated, audited)
    BUILD = "build"  # agents, knowledge, channels, swap
    VIEW_TRACES = "view_traces"  # traces, reproduce on hosted
    VIEW_USAGE = "view_usage"  # usage, quotas, chargeback
    VIEW_AUDIT = "view_audit"  # audit log


ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.ADMIN: frozenset(
        {
            Perm.MANAGE_ORG,
            Perm.VIEW_PLAN,
            Perm.VIEW_KEYS,
            Perm.MANAGE_KEYS,
            Perm.BUILD,
            Perm.VIEW_TRACES,
            Perm.VIEW_USAGE,
            Perm.VIEW_AUDIT,
        }
    ),
    Role.SECURITY: frozenset({Perm.VIEW_KEYS, Perm.MANAGE_KEYS, Perm.REVEAL_KEYS, Perm.VIEW_AUDIT}),
    Role.BUILDER: frozenset({Perm.VIEW_KEYS, Perm.BUILD, Perm.VIEW_TRACES}),
    Role.SUPPORT: frozenset({Perm.VIEW_TRACES}),
    Role.FINANCE: frozenset({Perm.VIEW_PLAN, Perm.VIEW_USAGE}),
}

# Roles whose members receive operational alerts by email and banner.
KEY_ALERT_PERMISSION = Perm.MANAGE_KEYS
BILLING_ALERT_PERMISSION = Perm.VIEW_USAGE


def permissions_for_roles(roles) -> frozenset[Perm]:
    """Return the union of the permissions granted by the given role names."""
    granted: set[Perm] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(granted)


def denied_message(perm: Perm) -> str:
    """Return the translated reason shown on a 403 page: which roles may open it, and who can help."""
    from django.utils.translation import gettext

    roles = [Role(role).label for role, granted in ROLE_PERMISSIONS.items() if perm in granted]
    return gettext(
        "Only members with one of these roles can open this page: %(roles)s. "
        "Ask an organization admin to give you one of them."
    ) % {"roles": gettext(", ").join(str(label) for label in roles)}
