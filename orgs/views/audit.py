import csv
import json

from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig

from ..forms import AuditFilterForm
from ..models import AuditEvent
from ..permissions import Perm
from ..scoping import permission_required
from ..tables import AuditEventTable

TEMPLATE = "orgs/audit.html"
CSV_COLUMNS = ["time", "actor", "action", "target_type", "target_id", "ip_address", "details"]
# Spreadsheet programs run a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _filtered_events(request):
    """Return (filter form, the organization's events narrowed by its valid fields)."""
    events = AuditEvent.objects.filter(organization=request.organization)
    actions = events.order_by("action").values_list("action", flat=True).distinct()
    form = AuditFilterForm(request.GET or None, actions=list(actions))
    if form.is_bound:
        form.is_valid()
    return form, form.filter(events) if form.is_bound else events


@require_GET
@permission_required(Perm.VIEW_AUDIT)
def audit_log(request):
    """List the organization's audit events, filtered by action and date range."""
    form, events = _filtered_events(request)
    table = AuditEventTable(events)
    RequestConfig(request, paginate={"per_page": 25}).configure(table)
    export_query = request.GET.copy()
    for key in ("page", "sort"):
        export_query.pop(key, None)
    context = {
        "form": form,
        "table": table,
        "filters_invalid": form.is_bound and not form.is_valid(),
        "export_query": export_query.urlencode(),
    }
    template = f"{TEMPLATE}#audit-results" if request.htmx else TEMPLATE
    return render(request, template, context)


class _Echo:
    def write(self, value):
        return value


def _csv_cell(value):
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


@require_GET
@permission_required(Perm.VIEW_AUDIT)
def audit_export(request):
    """Download the filtered audit events as CSV, newest first."""
    form, events = _filtered_events(request)
    if form.is_bound and not form.is_valid():
        problems = "; ".join(
            f"{field}={request.GET.get(field, '')!r}: {' '.join(errors)}"
            for field, errors in form.errors.items()
        )
        return HttpResponse(
            _("Invalid audit log filter, nothing exported. %(problems)s") % {"problems": problems},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(CSV_COLUMNS)
        for event in events.order_by("-at", "-id").iterator(chunk_size=500):
            yield writer.writerow(
                [
                    _csv_cell(event.at.isoformat()),
                    _csv_cell(event.actor_label),
                    _csv_cell(event.action),
                    _csv_cell(event.target_type),
                    _csv_cell(event.target_id),
                    _csv_cell(event.ip_address),
                    _csv_cell(json.dumps(event.details, ensure_ascii=False, sort_keys=True)),
                ]
            )

    filename = f"audit-{request.organization.slug}-{timezone.now():%Y%m%d-%H%M}.csv"
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
