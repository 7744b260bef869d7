import json

import django_tables2 as tables
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, Membership


class MembershipTable(tables.Table):
    member = tables.Column(
        verbose_name=_("Member"), accessor="user__email", order_by=("user__email",)
    )
    roles = tables.Column(verbose_name=_("Roles"), orderable=False)
    status = tables.Column(verbose_name=_("Status"), accessor="user__is_active", orderable=False)
    created_at = tables.DateColumn(verbose_name=_("Member since"), format="Y-m-d")
    actions = tables.TemplateColumn(
        template_name="orgs/_member_actions.html",
        verbose_name=_("Actions"),
        orderable=False,
        attrs={"td": {"class": "cell-actions"}},
    )

    class Meta:
        model = Membership
        fields = ("member", "roles", "status", "created_at", "actions")
        order_by = ("member",)
        attrs = {"class": "table", "id": "members"}
        empty_text = _("No members yet. Invite someone with the form above.")

    def render_member(self, record):
        name = record.user.get_full_name()
        if name:
            return format_html('{}<div class="muted small">{}</div>', record.user.email, name)
        return record.user.email

    def render_roles(self, record):
        return format_html_join(
            " ", '<span class="badge badge-info">{}</span>', ((label,) for label in record.role_labels())
        )

    def render_status(self, record):
        if not record.user.is_active:
            return format_html('<span class="badge badge-danger">{}</span>', _("Deactivated"))
        if not record.user.has_usable_password():
            return format_html('<span class="badge badge-warn">{}</span>', _("Invitation pending"))
        return format_html('<span class="badge badge-ok">{}</span>', _("Active"))


class AuditEventTable(tables.Table):
    at = tables.DateTimeColumn(verbose_name=_("Time"), format="Y-m-d H:i:s")
    actor_label = tables.Column(verbose_name=_("Actor"))
    action = tables.Column(verbose_name=_("Action"), attrs={"td": {"class": "mono"}})
    target = tables.Column(
        verbose_name=_("Target"), accessor="target_type", order_by=("target_type", "target_id")
    )
    ip_address = tables.Column(verbose_name=_("IP address"), orderable=False)
    details = tables.Column(verbose_name=_("Details"), orderable=False)

    class Meta:
        model = AuditEvent
        fields = ("at", "actor_label", "action", "target", "ip_address", "details")
        order_by = ("-at",)
        attrs = {"class": "table", "id": "audit-events"}
        empty_text = _("No audit events match these filters.")

    def render_target(self, record):
        if not record.target_id:
            return record.target_type or "—"
        return format_html('{} <span class="muted mono small">{}</span>', record.target_type, record.target_id)

    def render_details(self, value):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        return format_html('<code class="details">{}</code>', text)
