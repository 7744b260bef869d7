import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import ApiKey, KeyState

STATE_BADGES = {
    KeyState.ACTIVE: "badge-ok",
    KeyState.EXPIRING_SOON: "badge-warn",
    KeyState.EXPIRED: "badge-danger",
    KeyState.REJECTED: "badge-danger",
    KeyState.REVOKED: "badge",
}


def state_badge(api_key, now=None):
    state = api_key.state(now)
    return format_html('<span class="badge {}">{}</span>', STATE_BADGES[state], state.label)


class ApiKeyTable(tables.Table):
    provider = tables.Column(verbose_name=_("Provider"))
    label = tables.Column(verbose_name=_("Label"))
    fingerprint = tables.Column(verbose_name=_("Key"), orderable=False, attrs={"td": {"class": "mono"}})
    state = tables.Column(verbose_name=_("Status"), accessor="status", orderable=False, empty_values=())
    expires_at = tables.Column(verbose_name=_("Expires"))
    last_used_at = tables.Column(verbose_name=_("Last used"))
    agents = tables.Column(verbose_name=_("Agents using it"), orderable=False, empty_values=(), accessor="pk")

    class Meta:
        model = ApiKey
        fields = ("provider", "label", "fingerprint", "state", "expires_at", "last_used_at", "agents")
        order_by = ("provider", "label")
        attrs = {"class": "table", "id": "api-keys"}
        empty_text = _("No keys match. Add a key, or clear the filters.")

    def __init__(self, *args, agent_counts=None, **kwargs):
        self.agent_counts = agent_counts or {}
        super().__init__(*args, **kwargs)

    def render_provider(self, record):
        return record.get_provider_display()

    def render_label(self, record):
        url = reverse("keys:detail", args=[record.public_id])
        # The table sits in an hx-boost container for sorting and paging. The detail page is
        # a whole page, so this link opts out of the boosted swap.
        return format_html('<a href="{}" hx-boost="false">{}</a>', url, record.label)

    def render_fingerprint(self, record):
        return record.masked

    def render_state(self, record):
        return state_badge(record)

    def render_expires_at(self, value):
        return date_format(timezone.localtime(value), "Y-m-d")

    def render_last_used_at(self, value):
        return date_format(timezone.localtime(value), "Y-m-d H:i")

    def render_agents(self, record):
        return self.agent_counts.get(record.pk, 0)
