from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UsageConfig(AppConfig):
    """Usage events, plan quotas (reserve and settle), hourly rollups, spike detection, usage charts and chargeback exports."""

    name = "usage"
    verbose_name = _("Usage")
