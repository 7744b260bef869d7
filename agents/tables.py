import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Agent


class AgentTable(tables.Table):
    # The table is htmx-boosted for sorting and paging, which swaps in only the table: the link
    # to an agent opts out so it loads the whole detail page.
    name = tables.Column(
        verbose_name=_("Name"),
        linkify=("agents:detail", {"agent_id": tables.A("public_id")}),
        attrs={"a": {"hx-boost": "false"}},
    )
    model_id = tables.Column(verbose_name=_("Model"), order_by=("provider", "model_id"))
    strategy = tables.Column(verbose_name=_("Billing"))
    department = tables.Column(verbose_name=_("Department"))
    created_at = tables.DateTimeColumn(verbose_name=_("Created"), format="Y-m-d")

    class Meta:
        model = Agent
        fields = ["name", "model_id", "strategy", "department", "created_at"]
        order_by = "name"
        empty_text = _("No agents yet.")

    def render_model_id(self, record):
        return format_html("{} <span class=\"muted small\">· {}</span>", record.model_id, record.get_provider_display())

    def render_strategy(self, record):
        badge = "badge-info" if record.strategy == "hosted" else "badge-ok"
        label = _("Hosted") if record.strategy == "hosted" else _("Own key")
        return format_html('<span class="badge {}">{}</span>', badge, label)
