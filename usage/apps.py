from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UsageConfig(AppConfig):
    """Usage events, plan quotas (reserve and settle), hourly rollups, spike detection, usage charts and chargeback exports."""

    name = "usage"
    verbose_name = _("Usage")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .catalog import clear_price_cache
        from .models import CatalogModel

        post_save.connect(clear_price_cache, sender=CatalogModel, dispatch_uid="usage.clear_price_cache.save")
        post_delete.connect(clear_price_cache, sender=CatalogModel, dispatch_uid="usage.clear_price_cache.delete")
