"""The trace list table; links point into the viewer's scope (member or platform staff)."""

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from ..models import Trace

STATUS_BADGES = {"ok": "badge-ok", "partial": "badge-warn", "failed": "badge-danger"}
BILLING_LABELS = {"hosted": _("Plan (hosted)"), "byok": _("Own key (BYOK)")}


class TraceTable(tables.Table):
    created_at = tables.DateTimeColumn(verbose_name=_("Time"), format="Y-m-d H:i:s")
    agent = tables.Column(verbose_name=_("Agent"), accessor="agent__name", default="—")
    channel = tables.Column(verbose_name=_("Channel"), accessor="channel__name", default="—")
    model_id = tables.Column(verbose_name=_("Model"))
    status = tables.Column(verbose_name=_("Status"))
    error_code = tables.Column(verbose_name=_("Error code"), default="")
    latency_ms = tables.Column(verbose_name=_("Latency"), attrs={"td": {"class": "num"}})
    tokens = tables.Column(verbose_name=_("Tokens in / out"), empty_values=(), order_by=("input_tokens",))
    billing_source = tables.Column(verbose_name=_("Billed to"))

    class Meta:
        model = Trace
        fields = []
        sequence = [
            "created_at", "agent", "channel", "model_id", "status", "error_code",
            "latency_ms", "tokens", "billing_source",
        ]
        order_by = "-created_at"
        empty_text = _("No traces match these filters.")

    def __init__(self, data, *, scope, **kwargs):
        self.scope = scope
        super().__init__(data, **kwargs)

    def render_created_at(self, record, value):
        url = self.scope.url("detail", trace_id=record.public_id)
        # Opening a trace loads a whole page, so the table's hx-boost must not swap it in.
        return format_html('<a href="{}" hx-boost="false">{}</a>', url, value.strftime("%Y-%m-%d %H:%M:%S"))

    def render_model_id(self, record):
        return format_html('<code>{}</code> <span class="muted small">· {}</span>', record.model_id, record.provider)

    def render_status(self, record):
        return format_html(
            '<span class="badge {}">{}</span>', STATUS_BADGES.get(record.status, "badge-info"), record.get_status_display()
        )

    def render_error_code(self, value):
        return format_html("<code>{}</code>", value)

    def render_latency_ms(self, value):
        return f"{value} ms"

    def render_billing_source(self, value):
        return BILLING_LABELS.get(value, value)

    def render_tokens(self, record):
        return f"{record.input_tokens} / {record.output_tokens}"
