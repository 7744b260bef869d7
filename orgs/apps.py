from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgsConfig(AppConfig):
    """Tenancy: organizations, plans, memberships with roles, the role-to-permission table,
    org-scoped fetch helpers and the audit log."""

    name = "orgs"
    verbose_name = _("Organizations")
