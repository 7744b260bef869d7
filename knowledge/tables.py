"""django-tables2 tables of the knowledge pages."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from .models import Document


class DocumentTable(tables.Table):
    title = tables.TemplateColumn(
        template_name="knowledge/columns/title.html", verbose_name=_("Document"), order_by="title"
    )
    mime_type = tables.Column(verbose_name=_("Type"))
    size = tables.TemplateColumn("{{ value|filesizeformat }}", verbose_name=_("Size"))
    status = tables.TemplateColumn(
        template_name="knowledge/columns/status.html", verbose_name=_("Status")
    )
    updated_at = tables.DateTimeColumn(verbose_name=_("Updated"), format="SHORT_DATETIME_FORMAT")
    actions = tables.TemplateColumn(
        template_name="knowledge/columns/actions.html", verbose_name="", orderable=False
    )

    class Meta:
        model = Document
        fields = ["title", "mime_type", "size", "status", "updated_at", "actions"]
        order_by = "-updated_at"
        empty_text = _("No documents yet. Upload files or add a web page above.")
