from django.contrib import admin

from .models import CatalogModel, QuotaPeriod, UsageEvent


@admin.register(CatalogModel)
class CatalogModelAdmin(admin.ModelAdmin):
    list_display = [
        "display_name",
        "provider",
        "model_id",
        "input_price_per_million",
        "output_price_per_million",
        "context_window",
        "vision",
        "audio",
        "active",
    ]
    list_filter = ["provider", "active", "vision", "audio"]
    list_editable = ["input_price_per_million", "output_price_per_million", "active"]
    search_fields = ["model_id", "display_name"]


@admin.register(QuotaPeriod)
class QuotaPeriodAdmin(admin.ModelAdmin):
    list_display = ["organization", "kind", "period_start", "period_end", "limit", "used", "reserved"]
    list_filter = ["kind"]
    # Counters change only through usage.quotas; editing them here would bypass the atomic updates.
    readonly_fields = ["used", "reserved"]


@admin.register(UsageEvent)
class UsageEventAdmin(admin.ModelAdmin):
    list_display = ["at", "organization", "purpose", "provider", "model", "billing_source", "input_tokens", "output_tokens", "cost", "status"]
    list_filter = ["purpose", "billing_source", "status", "provider"]
    date_hierarchy = "at"

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
